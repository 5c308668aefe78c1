#include "gguf/gguf_value.h"

#include <fmt/format.h>

namespace sy::gguf {

std::string_view value_type_name(value_type t) {
  switch (t) {
    case value_type::u8: return "u8";
    case value_type::i8: return "i8";
    case value_type::u16: return "u16";
    case value_type::i16: return "i16";
    case value_type::u32: return "u32";
    case value_type::i32: return "i32";
    case value_type::f32: return "f32";
    case value_type::boolean: return "bool";
    case value_type::string: return "string";
    case value_type::array: return "array";
    case value_type::u64: return "u64";
    case value_type::i64: return "i64";
    case value_type::f64: return "f64";
  }
  return "?";
}

uint32_t value_type_size(value_type t) {
  switch (t) {
    case value_type::u8:
    case value_type::i8:
    case value_type::boolean: return 1;
    case value_type::u16:
    case value_type::i16: return 2;
    case value_type::u32:
    case value_type::i32:
    case value_type::f32: return 4;
    case value_type::u64:
    case value_type::i64:
    case value_type::f64: return 8;
    default: return 0;
  }
}

value value::array_of(value_type elem, std::vector<scalar> items) {
  value v{value_type::array, elem, std::move(items), 0, {}};
  v.count = v.items.size();
  for (const auto& s : v.items) {
    if (auto* u = std::get_if<uint64_t>(&s)) v.ints.add(*u);
    if (auto* i = std::get_if<int64_t>(&s)) v.ints.add(*i);
    if (auto* b = std::get_if<bool>(&s)) v.ints.add(uint64_t{*b});
  }
  return v;
}

std::optional<uint64_t> value::as_u64(size_t i) const {
  if (i >= items.size()) return std::nullopt;
  const auto& s = items[i];
  if (auto* u = std::get_if<uint64_t>(&s)) return *u;
  if (auto* v = std::get_if<int64_t>(&s)) return *v >= 0 ? std::optional<uint64_t>(*v) : std::nullopt;
  if (auto* b = std::get_if<bool>(&s)) return *b ? 1 : 0;
  return std::nullopt;
}

std::optional<int64_t> value::as_i64(size_t i) const {
  if (i >= items.size()) return std::nullopt;
  const auto& s = items[i];
  if (auto* v = std::get_if<int64_t>(&s)) return *v;
  if (auto* u = std::get_if<uint64_t>(&s))
    return *u <= uint64_t(INT64_MAX) ? std::optional<int64_t>(int64_t(*u)) : std::nullopt;
  if (auto* b = std::get_if<bool>(&s)) return *b ? 1 : 0;
  return std::nullopt;
}

std::optional<double> value::as_f64(size_t i) const {
  if (i >= items.size()) return std::nullopt;
  const auto& s = items[i];
  if (auto* d = std::get_if<double>(&s)) return *d;
  if (auto* u = std::get_if<uint64_t>(&s)) return double(*u);
  if (auto* v = std::get_if<int64_t>(&s)) return double(*v);
  return std::nullopt;
}

std::optional<bool> value::as_bool(size_t i) const {
  if (i >= items.size()) return std::nullopt;
  if (auto* b = std::get_if<bool>(&items[i])) return *b;
  if (auto u = as_u64(i)) return *u != 0;
  return std::nullopt;
}

const std::string* value::as_string(size_t i) const {
  return i < items.size() ? std::get_if<std::string>(&items[i]) : nullptr;
}

std::string value::summary() const {
  if (is_array()) return fmt::format("[{} x {}]", count, value_type_name(elem_type));
  if (items.empty()) return "";
  const auto& s = items[0];
  if (auto* str = std::get_if<std::string>(&s)) {
    if (str->size() > 60) return fmt::format("\"{}...\" ({} bytes)", str->substr(0, 57), str->size());
    return "\"" + *str + "\"";
  }
  if (auto* b = std::get_if<bool>(&s)) return *b ? "true" : "false";
  if (auto* d = std::get_if<double>(&s)) return fmt::format("{}", *d);
  if (auto* u = std::get_if<uint64_t>(&s)) return std::to_string(*u);
  return std::to_string(std::get<int64_t>(s));
}

}  // namespace sy::gguf
