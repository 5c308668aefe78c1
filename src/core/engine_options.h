#pragma once
// How one llama-server child runs one model: the knobs of issue "Local models" (context, slots,
// threads, GPU layers, flash attention, KV cache type, batch size). They live in core because
// the configuration carries them (engine defaults and per-model overrides); engine/ turns them
// into a command line.
#include <cstdint>
#include <map>
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
  std::optional<uint32_t> gpu_layers;  // -ngl: layers offloaded to the GPU; unset = "auto" (placement decides)
  flash_attention flash_attn = flash_attention::automatic;  // -fa on|off|auto
  std::string cache_type_k = "f16";                         // -ctk: f32, f16, bf16, q8_0, q4_0, ...
  std::string cache_type_v = "f16";                         // -ctv: a quantized V cache needs flash attention
  uint32_t batch_size = 2048;                               // -b: logical batch (prompt tokens per step)
  bool embeddings = false;  // --embeddings: an embedding model (serves /v1/embeddings only)
  std::string pooling;      // --pooling none|mean|cls|last|rank; "" = the model's default
  bool warmup = true;       // false adds --no-warmup (faster start, first request a bit slower)
  duration start_timeout = std::chrono::seconds(120);  // from launch until /health answers 200
  std::vector<std::string> extra_args;                 // appended verbatim, after ours (later flags win)
  bool operator==(const engine_settings&) const = default;
};

// A per-model override: only the fields that are set replace the engine defaults.
struct engine_overrides {
  std::optional<uint32_t> context_size, parallel, threads, batch_size;
  std::optional<std::optional<uint32_t>> gpu_layers;  // set to nullopt = "auto"
  std::optional<flash_attention> flash_attn;
  std::optional<std::string> cache_type_k, cache_type_v, pooling;
  std::optional<bool> embeddings, warmup;
  std::optional<duration> start_timeout;
  std::optional<std::vector<std::string>> extra_args;
  bool operator==(const engine_overrides&) const = default;
};

// `base` with every set field of `o` applied.
engine_settings apply_overrides(engine_settings base, const engine_overrides& o);

const char* to_string(flash_attention f);

}  // namespace sy::engine
