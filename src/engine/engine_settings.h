#pragma once
// How one llama-server child runs one model: the knobs of issue "Local models" (context, slots,
// threads, GPU layers, flash attention, KV cache type, batch size) and the argv they become.
// Config defaults and per-model overrides are merged into one of these before a load.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"

namespace sy::engine {

enum class flash_attention { automatic, on, off };

struct engine_settings {
  uint32_t context_size = 4096;        // -c: total KV cells, shared by the slots; 0 = the model's trained context
  uint32_t parallel = 1;               // -np: server slots (concurrent requests); each gets context_size / parallel
  uint32_t threads = 0;                // -t: CPU threads for generation; 0 = llama.cpp's choice (all cores)
  std::optional<uint32_t> gpu_layers;  // -ngl: layers offloaded to the GPU; unset = llama.cpp's "auto" fit
  flash_attention flash_attn = flash_attention::automatic;  // -fa on|off|auto
  std::string cache_type_k = "f16";                         // -ctk: f32, f16, bf16, q8_0, q4_0, ...
  std::string cache_type_v = "f16";                         // -ctv: a quantized V cache needs flash attention
  uint32_t batch_size = 2048;                               // -b: logical batch (prompt tokens per step)
  bool embeddings = false;  // --embeddings: an embedding model (serves /v1/embeddings only)
  std::string pooling;      // --pooling none|mean|cls|last|rank; "" = the model's default
  bool warmup = true;       // false adds --no-warmup (faster start, first request a bit slower)
  duration start_timeout = std::chrono::seconds(120);  // from launch until /health answers 200
  std::vector<std::string> extra_args;                 // appended verbatim, after ours (later flags win)
};

const char* to_string(flash_attention f);

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
