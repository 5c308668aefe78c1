#pragma once
// The ggml tensor types a GGUF file may name (ids from ggml.h at the pinned llama.cpp commit) with
// their block geometry, and the llama_ftype names of `general.file_type`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sy::gguf {

struct ggml_type_info {
  uint32_t id = 0;
  std::string_view name;    // "Q4_K"
  uint32_t block_size = 0;  // elements per block
  uint32_t type_size = 0;   // bytes per block
};

// nullopt for ids that were never defined or whose support was removed (4, 5, 31-33, 36-38).
std::optional<ggml_type_info> find_ggml_type(uint32_t id);
// By name, case-insensitive ("f16", "q8_0").
std::optional<ggml_type_info> find_ggml_type(std::string_view name);

// Bytes of a row of n elements; nullopt when n is not a multiple of the block size or overflows.
std::optional<uint64_t> ggml_row_bytes(const ggml_type_info& t, uint64_t n);

// "MOSTLY_Q4_K_M" for 15; "unknown (N)" for ids llama.h does not define.
std::string llama_ftype_name(uint32_t ftype);

}  // namespace sy::gguf
