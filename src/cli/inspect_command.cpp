// switchyard inspect PATH | NAME | owner/repo[:quant] | owner/repo/file.gguf | URL: what a GGUF model is and what it
// needs, read from its header only (over HTTP Range requests for a remote file).
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/effective_config.h"
#include "core/log.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"
#include "hub/hub_error.h"
#include "hub/model_inspection.h"

namespace sy::cli {
namespace {

struct inspect_args {
  std::string path;
  bool json = false;
  std::vector<uint64_t> contexts;
  std::string cache_type = "f16";
  uint64_t parallel = 1;
  std::optional<std::string> config_file;
};

std::string fetch_summary(const hub::inspection& i) {
  auto size = i.report.file_size;
  double share = size ? 100.0 * double(i.bytes_fetched) / double(size) : 0;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.2f", share);
  return "fetched " + std::to_string(i.bytes_fetched) + " of " + std::to_string(size) + " bytes (" + pct + "%) in " +
         std::to_string(i.requests) + " HTTP requests\n";
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<inspect_args>();
  auto* cmd =
      app.add_subcommand("inspect", "Show what a GGUF model is and the memory it needs (reads the header only)");
  cmd->add_option("path", args->path,
                  "A local .gguf file, a store model name, owner/repo[:quant] or owner/repo/file.gguf on the hub "
                  "($HF_ENDPOINT, $HF_TOKEN), or an https URL")
      ->required();
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->add_option("--ctx", args->contexts, "Context size per slot to size the KV cache for (repeatable)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 24));
  cmd->add_option("--cache-type", args->cache_type, "KV cache type")
      ->check(CLI::IsMember({"f16", "q8_0", "q4_0", "f32", "bf16"}));
  cmd->add_option("--parallel", args->parallel, "Parallel slots sharing the cache")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1024}));
  cmd->add_option("-c,--config", args->config_file, "YAML config file (for the store: models.home, models.paths)");
  cmd->callback([args] {
    try {
      init_logging("warn");
      config_options copts;
      copts.file = args->config_file;
      auto cfg = effective_config(copts, nullptr);
      auto hub = hub::hub_options::from_environment();
      hub::inspect_policy policy;
      policy.allow_paths = policy.allow_urls = true;
      policy.find_local = [cfg](std::string_view name) -> std::optional<std::string> {
        try {
          if (auto m = open_library(*cfg).find(name)) return m->path;
        } catch (const std::exception&) {
          // no store here: the name is looked up on the hub instead
        }
        return std::nullopt;
      };
      auto source = hub::locate_model(args->path, policy, hub);
      gguf::inspect_options opt;
      opt.contexts = args->contexts;
      opt.cache_type = args->cache_type;
      opt.parallel = args->parallel;
      auto result = hub::inspect_model(source, opt, hub);
      if (args->json) {
        std::cout << boost::json::serialize(hub::inspection_json(result)) << "\n";
      } else {
        std::cout << gguf::format_text(result.report);
        if (result.remote) std::cout << "\n" << fetch_summary(result);
      }
    } catch (const config_error& e) {
      std::cerr << "error: " << e.what() << "\n";
      throw CLI::RuntimeError(2);
    } catch (const hub::hub_error& e) {
      std::cerr << "error: " << args->path << ": " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    } catch (const gguf::gguf_error& e) {
      std::cerr << "error: " << args->path << ": " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    } catch (const std::invalid_argument& e) {
      std::cerr << "error: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace sy::cli
