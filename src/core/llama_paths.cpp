#include "core/llama_paths.h"

#include <unistd.h>

#include "core/version.h"

namespace sy {

llama_binaries find_llama_binaries(const env_lookup& env) {
  llama_binaries out;
  std::string dir = std::string(llama_cpp_dir) + "/bin";
  if (auto own = env("SWITCHYARD_LLAMA_SERVER"); own && !own->empty()) {
    out.server = *own;
    out.origin = "SWITCHYARD_LLAMA_SERVER";
  } else {
    out.server = dir + "/llama-server";
    out.origin = "pinned build";
  }
  auto rpc = env("SWITCHYARD_RPC_SERVER");
  out.rpc_server = rpc && !rpc->empty() ? *rpc : dir + "/ggml-rpc-server";
  out.server_exists = ::access(out.server.c_str(), X_OK) == 0;
  return out;
}

}  // namespace sy
