#include "engine/engine_settings.h"

namespace sy::engine {

std::vector<std::string> llama_server_args(const engine_settings& s, const engine_launch& l) {
  std::vector<std::string> a{"-m", l.model_path, "--host", "127.0.0.1", "--port", std::to_string(l.port)};
  if (!l.alias.empty()) a.insert(a.end(), {"--alias", l.alias});
  a.insert(a.end(), {"-c", std::to_string(s.context_size), "-np", std::to_string(s.parallel)});
  if (s.threads > 0) a.insert(a.end(), {"-t", std::to_string(s.threads)});
  if (s.gpu_layers) a.insert(a.end(), {"-ngl", std::to_string(*s.gpu_layers)});
  a.insert(a.end(), {"-fa", to_string(s.flash_attn), "-ctk", s.cache_type_k, "-ctv", s.cache_type_v, "-b",
                     std::to_string(s.batch_size)});
  if (s.embeddings) a.push_back("--embeddings");
  if (!s.pooling.empty()) a.insert(a.end(), {"--pooling", s.pooling});
  if (!s.warmup) a.push_back("--no-warmup");
  // the gateway is the only client: no web UI, and no cross-origin access from browser pages
  a.insert(a.end(), {"--no-webui", "--cors-origins", "localhost", "--no-cors-credentials"});
  a.insert(a.end(), s.extra_args.begin(), s.extra_args.end());
  return a;
}

}  // namespace sy::engine
