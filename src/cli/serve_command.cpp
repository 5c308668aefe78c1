#include <iostream>

#include "cli/commands.h"
#include "cli/effective_config.h"
#include "core/log.h"
#include "server/serve.h"

namespace sy::cli {

void add_serve_command(CLI::App& app) {
  auto opts = std::make_shared<config_options>();
  auto log_level = std::make_shared<std::string>("info");
  auto* cmd = app.add_subcommand("serve", "Run the gateway (OpenAI-compatible API on http://127.0.0.1:8321)");
  cmd->add_option("-c,--config", opts->file, "YAML config file (default: $XDG_CONFIG_HOME/switchyard/config.yaml)");
  cmd->add_option("-l,--listen", opts->listen, "HOST:PORT to listen on (port 0 picks a free one)");
  cmd->add_option("--api-key", opts->api_keys, "A client API key (repeatable); /v1/* then needs Bearer auth");
  cmd->add_flag("--insecure-no-auth", opts->insecure_no_auth, "Allow a non-loopback listen address without API keys");
  cmd->add_option("--threads", opts->threads, "Worker threads (default: one per core)")->check(CLI::Range(0, 256));
  cmd->add_option("--log-level", *log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->callback([opts, log_level] {
    block_shutdown_signals();  // before the logger's thread starts
    init_logging(*log_level);
    load_report report;
    std::shared_ptr<const config> cfg;
    try {
      cfg = effective_config(*opts, &report);
    } catch (const config_error& e) {
      spdlog::error("configuration: {}", e.what());
      flush_logs();
      throw CLI::RuntimeError(2);
    }
    for (const auto& w : report.warnings) spdlog::warn("configuration: {}", w);
    int rc = serve(cfg, [opts] { return effective_config(*opts, nullptr); });
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sy::cli
