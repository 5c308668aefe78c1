#pragma once
// KV-cache size as the pinned llama.cpp allocates it (llama-context.cpp, llama-kv-cache*.cpp), for
// llama-server's unified cache shared by `parallel` slots:
//   cells      = pad256(ctx × parallel)
//   swa cells  = pad256(min(cells, window × parallel + ubatch))   (layers using the sliding window)
//   per layer  = cells × (row(type, head_dim_k × n_head_kv) + row(type, head_dim_v × n_head_kv))
// With MLA the cache holds one latent row per cell, (kv_lora_rank + rope dims) = key_length_mla
// wide with n_head_kv = 1, and no V.
#include <cstdint>
#include <string>

#include "gguf/model_facts.h"

namespace sy::gguf {

struct kv_cache_size {
  uint64_t cells = 0, swa_cells = 0;
  uint64_t full_layers = 0, swa_layers = 0;
  uint64_t k_bytes = 0, v_bytes = 0;
  uint64_t bytes() const { return k_bytes + v_bytes; }
};

// Throws std::invalid_argument for an unknown cache type or a row that does not fit its blocks.
kv_cache_size estimate_kv_cache(const model_facts& m, uint64_t ctx, uint64_t parallel, const std::string& cache_type,
                                uint64_t ubatch = 512);

}  // namespace sy::gguf
