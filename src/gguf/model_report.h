#pragma once
// What `switchyard inspect` shows: identity, quantization mix, parameter split by role, block
// structure, and memory needed at chosen context sizes. Built from a parsed header only.
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/kv_cache.h"
#include "gguf/model_facts.h"

namespace sy::gguf {

// Role of a tensor, by name (token_embd, blk.N.attn_*, ffn_*_exps, ffn_*_shexp, ffn_*, *_norm, output).
enum class tensor_role {
  embeddings,
  attention,
  ffn_dense,
  ffn_experts,
  ffn_shared_experts,
  moe_router,
  norms,
  output,
  other
};
inline constexpr int tensor_role_count = 9;
std::string_view tensor_role_name(tensor_role r);
tensor_role classify_tensor(std::string_view name);

struct tensor_tally {
  uint64_t tensors = 0, params = 0, bytes = 0;
  double bits_per_weight() const { return params ? 8.0 * double(bytes) / double(params) : 0; }
};

struct type_tally : tensor_tally {
  std::string type;  // "Q4_K"
};

// Blocks with the same tensors (suffix, shape, type) share one entry.
struct block_group {
  std::vector<uint64_t> layers;
  struct entry {
    std::string suffix;  // "attn_q.weight"
    std::vector<uint64_t> dims;
    std::string type;
  };
  std::vector<entry> tensors;
  uint64_t params = 0, bytes = 0;
};

struct memory_estimate {
  uint64_t ctx = 0;  // per slot
  kv_cache_size kv;
  uint64_t weights_bytes = 0, compute_bytes = 0, total_bytes = 0;
  bool fits = false;  // total <= available RAM (unknown RAM: false)
};

struct inspect_options {
  std::vector<uint64_t> contexts;  // per-slot context sizes; empty: min(trained, 4096) and trained
  std::string cache_type = "f16";
  uint64_t parallel = 1;
  uint64_t ubatch = 512;         // llama.cpp's default n_ubatch
  uint64_t available_bytes = 0;  // 0: read /proc/meminfo MemAvailable
};

struct model_report {
  std::string source;
  uint32_t version = 0;
  uint64_t file_size = 0, metadata_count = 0, data_offset = 0, alignment = 0;
  model_facts facts;
  std::string file_type_name;
  tensor_tally total;
  std::vector<type_tally> by_type;                       // most bytes first
  std::vector<tensor_tally> by_role{tensor_role_count};  // indexed by tensor_role
  std::vector<block_group> blocks;
  std::vector<memory_estimate> memory;
  std::string cache_type;
  uint64_t parallel = 1, available_bytes = 0;
};

model_report build_report(const gguf_file& f, const std::string& source, const inspect_options& opt);
// /proc/meminfo MemAvailable in bytes; 0 when unknown.
uint64_t mem_available_bytes();

std::string format_text(const model_report& r);
std::string format_json(const model_report& r);

}  // namespace sy::gguf
