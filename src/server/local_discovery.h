#pragma once
// Probes the default loopback ports of local model servers (core/discovery.h lists them) and
// returns a backend for each that answers like itself: Ollama's /api/version with a version,
// an OpenAI-compatible /v1/models with a model list. Short timeouts: a closed port costs
// nothing, a silent one at most a second.
//
// Threading: runs on the worker that owns `pool`.
#include <vector>

#include "core/config.h"
#include "http/upstream_pool.h"

namespace sy {

// `own_port`: the gateway's own port, never probed (it would find itself).
http::net::awaitable<std::vector<backend_config>> probe_local_servers(http::upstream_pool& pool,
                                                                      unsigned short own_port);

}  // namespace sy
