#pragma once
// A GGUF metadata value: one of the 13 wire types, or an array of one scalar type (arrays of
// arrays are refused by the reader, as by llama.cpp).
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

struct value {
  value_type type = value_type::u32;
  value_type elem_type = value_type::u32;  // arrays only
  std::vector<scalar> items;               // one for a scalar, n for an array

  static value of(value_type t, scalar s) { return {t, t, {std::move(s)}}; }
  static value array_of(value_type elem, std::vector<scalar> items) {
    return {value_type::array, elem, std::move(items)};
  }

  bool is_array() const { return type == value_type::array; }
  size_t size() const { return items.size(); }
  // Numeric views of item i (nullopt for strings, or negative values asked as unsigned).
  std::optional<uint64_t> as_u64(size_t i = 0) const;
  std::optional<int64_t> as_i64(size_t i = 0) const;
  std::optional<double> as_f64(size_t i = 0) const;
  std::optional<bool> as_bool(size_t i = 0) const;
  const std::string* as_string(size_t i = 0) const;
  // Short text for reports: the value, or "[N × type]" for arrays.
  std::string summary() const;
};

}  // namespace sy::gguf
