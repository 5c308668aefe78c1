#pragma once
// A GGUF metadata value: one of the 13 wire types, or an array of one scalar type (arrays of
// arrays are refused by the reader, as by llama.cpp).
//
// An array keeps its first elements only (gguf_limits::max_array_kept): size() is the count the
// file declares, kept() what is in memory. What facts need of the rest is tallied while the
// reader streams past it (int_tally), so a vocabulary of millions of tokens costs no memory.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sy::gguf {

enum class value_type : uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};
std::string_view value_type_name(value_type t);
// Bytes of one element on the wire; 0 for string and array.
uint32_t value_type_size(value_type t);

// Unsigned integers are held as uint64_t, signed as int64_t, floats as double.
using scalar = std::variant<uint64_t, int64_t, double, bool, std::string>;

// Integer and bool arrays, over every element (kept or not).
struct int_tally {
  uint64_t max = 0;                 // the largest element (negative ones count as 0)
  std::array<uint64_t, 8> small{};  // how many elements equal 0..7 (enums: token types)

  void add(uint64_t v) {
    max = v > max ? v : max;
    if (v < small.size()) ++small[v];
  }
  void add(int64_t v) { add(v < 0 ? uint64_t{0} : uint64_t(v)); }
  uint64_t count_of(uint64_t v) const { return v < small.size() ? small[v] : 0; }
};

struct value {
  value_type type = value_type::u32;
  value_type elem_type = value_type::u32;  // arrays only
  std::vector<scalar> items;               // a scalar: one; an array: its first kept() elements
  uint64_t count = 0;                      // elements in the file (1 for a scalar)
  int_tally ints;                          // integer and bool arrays: tallied over all elements

  static value of(value_type t, scalar s) { return {t, t, {std::move(s)}, 1, {}}; }
  // A whole array (tests, writers): count is items.size() and the tally is complete.
  static value array_of(value_type elem, std::vector<scalar> items);

  bool is_array() const { return type == value_type::array; }
  uint64_t size() const { return count; }
  size_t kept() const { return items.size(); }
  // Numeric views of item i < kept() (nullopt past it, for strings, or negative values asked as
  // unsigned).
  std::optional<uint64_t> as_u64(size_t i = 0) const;
  std::optional<int64_t> as_i64(size_t i = 0) const;
  std::optional<double> as_f64(size_t i = 0) const;
  std::optional<bool> as_bool(size_t i = 0) const;
  const std::string* as_string(size_t i = 0) const;
  // Short text for reports: the value, or "[N x type]" for arrays. File bytes are not escaped.
  std::string summary() const;
};

}  // namespace sy::gguf
