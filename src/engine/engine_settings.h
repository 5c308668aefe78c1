#pragma once
// The llama-server command line for one model's engine_settings (core/engine_options.h).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/engine_options.h"

namespace sy::engine {

// Where and what to run. (The child's API key goes through its environment, LLAMA_API_KEY, never
// on the command line where other local users could read it: see engine_instance.)
struct engine_launch {
  std::string model_path;  // the GGUF file (the first part of a split)
  std::string alias;       // the name llama-server reports in /v1/models; "" = the file name
  unsigned short port = 0;
};

// The llama-server arguments, without argv[0]: loopback only, no web UI.
std::vector<std::string> llama_server_args(const engine_settings& s, const engine_launch& l);

}  // namespace sy::engine
