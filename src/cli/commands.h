#pragma once
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sy::cli {

// Options shared by the commands that need the effective configuration.
struct config_options {
  std::optional<std::string> file;    // --config
  std::optional<std::string> listen;  // --listen
  std::vector<std::string> api_keys;  // --api-key (repeatable)
  bool insecure_no_auth = false;      // --insecure-no-auth
  std::optional<int> threads;         // --threads
};

void add_serve_command(CLI::App& app);
void add_config_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_ls_command(CLI::App& app);
void add_rm_command(CLI::App& app);
void add_search_command(CLI::App& app);
void add_pull_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_backends_command(CLI::App& app);

}  // namespace sy::cli
