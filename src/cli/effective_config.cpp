#include "cli/effective_config.h"

#include "core/discovery.h"
#include "store/store_home.h"

namespace sy::cli {

std::shared_ptr<const config> effective_config(const config_options& opts, load_report* report) {
  auto env = process_env();
  config cfg;
  auto path = opts.file ? opts.file : default_config_path(env);
  if (path) cfg = load_config_file(*path, env, report);
  apply_env_overrides(cfg, env);
  if (opts.listen) cfg.server.listen = *opts.listen;
  if (!opts.api_keys.empty()) use_operator_keys(cfg.server, opts.api_keys);
  if (opts.insecure_no_auth) cfg.server.insecure_no_auth = true;
  if (opts.threads) cfg.server.threads = *opts.threads;
  add_cloud_backends(cfg, env);  // after the file: a configured backend of the same name wins
  validate(cfg);
  return std::make_shared<const config>(std::move(cfg));
}

store::model_library open_library(const config& cfg) {
  store::model_library lib({store::resolve_home(cfg.models.home, process_env()), cfg.models.paths});
  lib.refresh();
  return lib;
}

}  // namespace sy::cli
