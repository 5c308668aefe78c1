// Configuration from the environment: the process environment, the default config file's path and
// the SWITCHYARD_* overrides (see config_sources.h).
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "core/config_sources.h"

namespace sy {

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::optional<std::string> default_config_path(const env_lookup& env) {
  if (auto p = env("SWITCHYARD_CONFIG"); p && !p->empty()) return p;
  std::string base;
  if (auto x = env("XDG_CONFIG_HOME"); x && !x->empty())
    base = *x;
  else if (auto h = env("HOME"); h && !h->empty())
    base = *h + "/.config";
  else
    return std::nullopt;
  auto path = base + "/switchyard/config.yaml";
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

void apply_env_overrides(config& cfg, const env_lookup& env) {
  if (auto v = env("SWITCHYARD_LISTEN"); v && !v->empty()) cfg.server.listen = *v;
  if (auto v = env("SWITCHYARD_API_KEYS"); v && !v->empty()) {
    std::vector<std::string> keys;
    std::stringstream ss(*v);
    for (std::string key; std::getline(ss, key, ',');)
      if (!key.empty()) keys.push_back(key);
    use_operator_keys(cfg.server, keys);
  }
  if (auto v = env("SWITCHYARD_THREADS"); v && !v->empty()) {
    char* end = nullptr;
    long n = std::strtol(v->c_str(), &end, 10);
    if (*end != '\0' || n < 0 || n > 256) throw config_error("SWITCHYARD_THREADS", 0, "expected 0-256");
    cfg.server.threads = static_cast<int>(n);
  }
  if (auto v = env("SWITCHYARD_INSECURE_NO_AUTH"); v && (*v == "1" || *v == "true")) cfg.server.insecure_no_auth = true;
  if (auto v = env("SWITCHYARD_DISCOVERY"); v && !v->empty()) {
    if (*v == "off" || *v == "0" || *v == "false")
      cfg.discovery.local = cfg.discovery.cloud = false;
    else if (*v == "on" || *v == "1" || *v == "true")
      cfg.discovery.local = cfg.discovery.cloud = true;
    else if (*v == "local" || *v == "cloud")
      cfg.discovery.local = *v == "local", cfg.discovery.cloud = *v == "cloud";
    else
      throw config_error("SWITCHYARD_DISCOVERY", 0, "expected on, off, local or cloud");
  }
}

}  // namespace sy
