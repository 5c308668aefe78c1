#include "core/discovery.h"

#include <algorithm>

namespace sy {

namespace {

bool taken(const config& cfg, const backend_config& b) {
  return std::any_of(cfg.backends.begin(), cfg.backends.end(),
                     [&](const backend_config& c) { return c.name == b.name || c.url == b.url; });
}

}  // namespace

const std::vector<local_server_kind>& local_server_kinds() {
  static const std::vector<local_server_kind> kinds = {
      {"ollama", backend_type::ollama, 11434, "http://127.0.0.1:11434", "/api/version"},
      {"lmstudio", backend_type::openai, 1234, "http://127.0.0.1:1234/v1", "/v1/models"},
      {"llama-server", backend_type::openai, 8080, "http://127.0.0.1:8080/v1", "/v1/models"},
      {"vllm", backend_type::openai, 8000, "http://127.0.0.1:8000/v1", "/v1/models"},
  };
  return kinds;
}

void add_cloud_backends(config& cfg, const env_lookup& env) {
  if (!cfg.discovery.cloud) return;
  struct provider {
    const char* name;
    backend_type type;
    const char* url;
    std::vector<const char*> keys;  // the first one set wins
  };
  static const provider providers[] = {
      {"openai", backend_type::openai, "https://api.openai.com/v1", {"OPENAI_API_KEY"}},
      {"anthropic", backend_type::anthropic, "https://api.anthropic.com/v1", {"ANTHROPIC_API_KEY"}},
      {"gemini",
       backend_type::gemini,
       "https://generativelanguage.googleapis.com/v1beta",
       {"GEMINI_API_KEY", "GOOGLE_API_KEY"}},
  };
  for (const auto& p : providers)
    for (const char* var : p.keys) {
      auto key = env(var);
      if (!key || key->empty()) continue;
      backend_config b;
      b.name = p.name;
      b.type = p.type;
      b.url = p.url;
      b.api_key = *key;
      b.discovered = std::string("environment: ") + var;
      if (!taken(cfg, b)) cfg.backends.push_back(std::move(b));
      break;
    }
}

config with_discovered(const config& base, const std::vector<backend_config>& found) {
  config out = base;
  for (const auto& b : found)
    if (!taken(out, b)) out.backends.push_back(b);
  return out;
}

}  // namespace sy
