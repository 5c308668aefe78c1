#include "gguf/ggml_types.h"

#include <array>
#include <cctype>

namespace sy::gguf {
namespace {

// id, name, elements per block, bytes per block.
constexpr std::array<ggml_type_info, 37> types = {{
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},      {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},      {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},   {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
    {40, "NVFP4", 64, 36},    {41, "Q1_0", 128, 18},    {42, "Q2_0", 64, 18},
}};

constexpr std::array<std::string_view, 42> ftypes = {
    "ALL_F32",
    "MOSTLY_F16",
    "MOSTLY_Q4_0",
    "MOSTLY_Q4_1",
    "",
    "",
    "",
    "MOSTLY_Q8_0",
    "MOSTLY_Q5_0",
    "MOSTLY_Q5_1",
    "MOSTLY_Q2_K",
    "MOSTLY_Q3_K_S",
    "MOSTLY_Q3_K_M",
    "MOSTLY_Q3_K_L",
    "MOSTLY_Q4_K_S",
    "MOSTLY_Q4_K_M",
    "MOSTLY_Q5_K_S",
    "MOSTLY_Q5_K_M",
    "MOSTLY_Q6_K",
    "MOSTLY_IQ2_XXS",
    "MOSTLY_IQ2_XS",
    "MOSTLY_Q2_K_S",
    "MOSTLY_IQ3_XS",
    "MOSTLY_IQ3_XXS",
    "MOSTLY_IQ1_S",
    "MOSTLY_IQ4_NL",
    "MOSTLY_IQ3_S",
    "MOSTLY_IQ3_M",
    "MOSTLY_IQ2_S",
    "MOSTLY_IQ2_M",
    "MOSTLY_IQ4_XS",
    "MOSTLY_IQ1_M",
    "MOSTLY_BF16",
    "",
    "",
    "",
    "MOSTLY_TQ1_0",
    "MOSTLY_TQ2_0",
    "MOSTLY_MXFP4_MOE",
    "MOSTLY_NVFP4",
    "MOSTLY_Q1_0",
    "MOSTLY_Q2_0",
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

std::optional<ggml_type_info> find_ggml_type(uint32_t id) {
  for (const auto& t : types)
    if (t.id == id) return t;
  return std::nullopt;
}

std::optional<ggml_type_info> find_ggml_type(std::string_view name) {
  for (const auto& t : types)
    if (iequals(t.name, name)) return t;
  return std::nullopt;
}

std::optional<uint64_t> ggml_row_bytes(const ggml_type_info& t, uint64_t n) {
  if (t.block_size == 0 || n % t.block_size != 0) return std::nullopt;
  uint64_t blocks = n / t.block_size;
  uint64_t out = 0;
  if (__builtin_mul_overflow(blocks, uint64_t{t.type_size}, &out)) return std::nullopt;
  return out;
}

std::string llama_ftype_name(uint32_t ftype) {
  if (ftype < ftypes.size() && !ftypes[ftype].empty()) return std::string(ftypes[ftype]);
  if (ftype == 1024) return "GUESSED";
  return "unknown (" + std::to_string(ftype) + ")";
}

}  // namespace sy::gguf
