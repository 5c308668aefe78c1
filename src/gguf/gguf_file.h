#pragma once
// A parsed GGUF header (v2 and v3): metadata and tensor infos, never the weights.
//
//   magic "GGUF" | version u32 | n_tensors u64 | n_kv u64 | kv... | tensor infos... | pad | data
//
// read_gguf() checks every count, length and size against gguf_limits with overflow-checked
// arithmetic, and throws gguf_error (with the byte offset, and the key or tensor) on the first
// malformed field. Only the header is fetched from the byte source.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/byte_source.h"
#include "gguf/ggml_types.h"
#include "gguf/gguf_error.h"
#include "gguf/gguf_value.h"

namespace sy::gguf {

struct gguf_limits {
  uint64_t max_key_bytes = 64 * 1024;
  uint64_t max_string_bytes = 1024 * 1024;  // one string value (or array element)
  uint64_t max_array_elements = 16 * 1024 * 1024;
  uint64_t max_array_bytes = 256ull << 20;  // wire bytes of one array
  // Elements of one array held in memory (at most 160 KiB of scalars); the rest is tallied and
  // skipped. Per-layer arrays are the only ones whose elements facts read, and 4096 is 8x
  // llama.cpp's LLAMA_MAX_LAYERS (512), past which it refuses them; token arrays are counted from
  // the header and their types tallied, never held.
  uint64_t max_array_kept = 4096;
  uint64_t max_metadata_count = 1024 * 1024;
  // Decoded metadata in memory, all keys together (keys, values, kept array elements): bounds
  // what a header costs whatever it declares. Real models need a few MiB.
  uint64_t max_metadata_bytes = 64ull << 20;
  uint64_t max_tensors = 1024 * 1024;
  uint64_t max_alignment = 1024 * 1024;
};

inline constexpr uint32_t max_dims = 4;  // GGML_MAX_DIMS
inline constexpr uint64_t default_alignment = 32;

struct tensor_info {
  std::string name;
  std::vector<uint64_t> dims;  // ne[0] first (the contiguous dimension)
  ggml_type_info type;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

struct gguf_file {
  uint32_t version = 0;
  uint64_t alignment = default_alignment;
  uint64_t data_offset = 0;  // start of the data section in the file
  uint64_t file_size = 0;
  std::vector<std::pair<std::string, value>> metadata;  // file order
  std::vector<tensor_info> tensors;                     // file order

  const value* find(std::string_view key) const;
  std::optional<uint64_t> get_u64(std::string_view key) const;
  std::optional<double> get_f64(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;

  std::map<std::string, size_t, std::less<>> index_;  // key -> position in metadata
};

gguf_file read_gguf(byte_source& src, const gguf_limits& limits = {});

}  // namespace sy::gguf
