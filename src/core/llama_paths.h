#pragma once
// Where the llama.cpp binaries are: the user's own build (SWITCHYARD_LLAMA_SERVER, and
// SWITCHYARD_RPC_SERVER) or this machine's build of the pinned commit (scripts/llama-cpp.sh).
#include <string>

#include "core/config_sources.h"

namespace sy {

struct llama_binaries {
  std::string server;      // llama-server
  std::string rpc_server;  // ggml-rpc-server
  std::string origin;      // "SWITCHYARD_LLAMA_SERVER" or "pinned build"
  bool server_exists = false;
};

llama_binaries find_llama_binaries(const env_lookup& env);

}  // namespace sy
