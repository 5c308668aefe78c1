#pragma once
// Placement: will a model fit this machine, and where do its layers go?
//
// The estimate comes from the GGUF header (gguf::build_report): weights, KV cache at the
// configured context, slots and cache type, and compute buffers. With a GPU present and
// gpu_layers "auto", as many whole layers (weights and their KV cache) as fit in free VRAM,
// less a reserve, are offloaded and the rest stays in RAM. The gateway refuses a load whose RAM
// part does not fit rather than let the machine swap or the kernel kill something.
//
// Threading: free functions; detect_gpus() runs a short child process (nvidia-smi).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/engine_options.h"

namespace sy::engine {

struct gpu_memory {
  std::string name;  // "NVIDIA H100 80GB HBM3"
  std::uint64_t free_bytes = 0, total_bytes = 0;
};

// NVIDIA GPUs from `nvidia-smi` (empty when there is none, or no driver). Bounded to a few seconds.
std::vector<gpu_memory> detect_gpus();

struct model_footprint {
  std::uint64_t weights_bytes = 0;  // tensor data (all split parts)
  std::uint64_t kv_bytes = 0;       // KV cache at context_size, all slots
  std::uint64_t compute_bytes = 0;  // llama.cpp's compute buffers (estimate)
  std::uint64_t n_layer = 0;        // transformer blocks
  std::uint64_t total() const { return weights_bytes + kv_bytes + compute_bytes; }
};

// Reads the GGUF header at `path` and estimates what `s` needs. `file_bytes` (all split parts,
// 0 = the file's size) stands in for the weights of a split model. Throws std::runtime_error
// (gguf_error) when the header cannot be read.
model_footprint estimate_footprint(const std::string& path, const engine_settings& s, std::uint64_t file_bytes = 0);

struct placement {
  std::optional<std::uint32_t> gpu_layers;  // what to pass as -ngl; nullopt = leave it to llama.cpp
  std::uint64_t ram_bytes = 0;              // needed in system RAM
  std::uint64_t vram_bytes = 0;             // needed on the GPU
  std::string summary;  // "3.1 GiB: weights 2.0 GiB + KV 1.0 GiB + compute 0.1 GiB; 12/28 layers on GPU"
};

inline constexpr std::uint64_t vram_reserve_bytes = 512ull << 20;  // left free for the driver and other users

// Where the layers go. `configured` is settings.gpu_layers (nullopt = auto). Without a GPU,
// everything is in RAM and -ngl is left unset.
placement place(const model_footprint& f, std::optional<std::uint32_t> configured,
                const std::optional<gpu_memory>& gpu);

}  // namespace sy::engine
