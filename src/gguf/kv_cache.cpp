#include "gguf/kv_cache.h"

#include <algorithm>
#include <stdexcept>

#include "gguf/ggml_types.h"

namespace sy::gguf {
namespace {

uint64_t pad256(uint64_t n) {
  return (n + 255) / 256 * 256;
}

uint64_t row_bytes(const ggml_type_info& t, uint64_t n) {
  auto r = ggml_row_bytes(t, n);
  if (!r)
    throw std::invalid_argument("cache type " + std::string(t.name) + " needs rows that are multiples of " +
                                std::to_string(t.block_size) + " (this model has " + std::to_string(n) + ")");
  return *r;
}

}  // namespace

kv_cache_size estimate_kv_cache(const model_facts& m, uint64_t ctx, uint64_t parallel, const std::string& cache_type,
                                uint64_t ubatch) {
  auto type = find_ggml_type(cache_type);
  if (!type) throw std::invalid_argument("unknown cache type '" + cache_type + "'");
  parallel = std::max<uint64_t>(parallel, 1);
  kv_cache_size out;
  out.cells = pad256(ctx * parallel);
  out.swa_cells = m.sliding_window ? pad256(std::min(out.cells, m.sliding_window * parallel + ubatch)) : 0;
  for (uint64_t il = 0; il < m.n_layer; ++il) {
    bool swa = il < m.swa_layers.size() && m.swa_layers[il];
    uint64_t cells = swa ? out.swa_cells : out.cells;
    (swa ? out.swa_layers : out.full_layers) += 1;
    uint64_t kv_heads = il < m.n_head_kv.size() ? m.n_head_kv[il] : 0;
    if (kv_heads == 0) continue;  // a layer without attention (recurrent blocks) keeps no KV cache
    out.k_bytes += cells * row_bytes(*type, m.head_dim_k * kv_heads);
    if (!m.is_mla()) out.v_bytes += cells * row_bytes(*type, m.head_dim_v * kv_heads);
  }
  return out;
}

}  // namespace sy::gguf
