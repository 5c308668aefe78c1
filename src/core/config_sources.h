#pragma once
// Where configuration comes from: a YAML file (with ${ENV} interpolation), the environment, and
// command-line flags, applied in that order on top of the compiled-in defaults.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"

namespace sy {

// Looks up an environment variable; injectable for tests.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;
env_lookup process_env();

struct load_report {
  std::vector<std::string> warnings;  // e.g. "${OPENAI_API_KEY} is not set (line 7)"
};

// Parses YAML text. Unknown keys, wrong types and bad values throw config_error naming the line.
// Cross-field rules are left to validate(), once every source has been applied.
config parse_config_yaml(const std::string& text, const std::string& file_name, const env_lookup& env,
                         load_report* report = nullptr);

// Reads and parses a file (throws config_error when it cannot be read).
config load_config_file(const std::string& path, const env_lookup& env, load_report* report = nullptr);

// The file used when --config is not given: $SWITCHYARD_CONFIG, else
// $XDG_CONFIG_HOME/switchyard/config.yaml (~/.config/...) when it exists.
std::optional<std::string> default_config_path(const env_lookup& env);

// SWITCHYARD_LISTEN, SWITCHYARD_API_KEYS (comma-separated), SWITCHYARD_THREADS,
// SWITCHYARD_INSECURE_NO_AUTH=1, SWITCHYARD_DISCOVERY=on|off|local|cloud.
void apply_env_overrides(config& cfg, const env_lookup& env);

// The effective configuration as YAML, every secret masked.
std::string to_masked_yaml(const config& cfg);

}  // namespace sy
