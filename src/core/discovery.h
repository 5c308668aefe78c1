#pragma once
// Backends Switchyard finds by itself (zero configuration): cloud providers whose keys are in
// the environment, and the usual local servers answering on their default loopback ports. What
// is found is added to the configuration as ordinary backends; a configured backend with the
// same name or URL always wins, so discovery never changes what a config file says.
//
// Pure functions: the probing itself lives with the gateway (server/local_discovery.h).
#include <string>
#include <vector>

#include "core/config.h"
#include "core/config_sources.h"

namespace sy {

// A local server worth probing: Ollama, LM Studio, llama-server, vLLM.
struct local_server_kind {
  std::string name;  // the backend name it gets ("ollama", "lmstudio", ...)
  backend_type type;
  unsigned short port;
  std::string url;         // the backend URL when it answers
  std::string probe_path;  // GET below the host that tells it is there
};
const std::vector<local_server_kind>& local_server_kinds();

// Adds a backend for each cloud key in `env` (OPENAI_API_KEY -> "openai", ANTHROPIC_API_KEY ->
// "anthropic", GEMINI_API_KEY or GOOGLE_API_KEY -> "gemini") unless cfg.discovery.cloud is off
// or a configured backend already has that name or the provider's URL.
void add_cloud_backends(config& cfg, const env_lookup& env);

// `base` plus the local servers in `found` that clash with no backend of `base` (by name or by
// URL); each keeps its `discovered` note.
config with_discovered(const config& base, const std::vector<backend_config>& found);

}  // namespace sy
