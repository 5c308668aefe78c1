#include <iostream>

#include "cli/commands.h"
#include "cli/effective_config.h"
#include "core/config_sources.h"

namespace sy::cli {

void add_config_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("config", "Check or show configuration");
  cmd->require_subcommand(1);

  auto check_file = std::make_shared<std::string>();
  auto* check = cmd->add_subcommand("check", "Validate a config file; prints the first error with its line");
  check->add_option("file", *check_file, "The YAML file")->required();
  check->callback([check_file] {
    load_report report;
    try {
      auto cfg = load_config_file(*check_file, process_env(), &report);
      validate(cfg);
      for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
      std::cout << *check_file << ": ok (" << cfg.backends.size() << " backends, " << cfg.aliases.size() << " aliases, "
                << cfg.routes.size() << " routes)\n";
    } catch (const config_error& e) {
      std::cerr << "error: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });

  auto opts = std::make_shared<config_options>();
  auto* show =
      cmd->add_subcommand("show", "Print the effective configuration (defaults, file, env, flags); secrets masked");
  show->add_option("-c,--config", opts->file, "YAML config file");
  show->add_option("-l,--listen", opts->listen, "HOST:PORT");
  show->callback([opts] {
    load_report report;
    try {
      auto cfg = effective_config(*opts, &report);
      for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
      std::cout << "# source: " << cfg->source << "\n" << to_masked_yaml(*cfg);
    } catch (const config_error& e) {
      std::cerr << "error: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace sy::cli
