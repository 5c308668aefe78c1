#include "api/json_field.h"

#include <array>
#include <cstring>

#include <boost/json.hpp>

#include "api/json_out.h"

namespace sy::api {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// i is at an opening quote; returns the index just past the closing one. Finds each quote with
// memchr; a quote after an odd run of backslashes is escaped (the run cannot reach past the
// opening quote).
std::size_t skip_string(std::string_view s, std::size_t i) {
  const char* const content = s.data() + i + 1;
  const char* const end = s.data() + s.size();
  for (const char* p = content; p < end;) {
    const auto* quote = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
    if (!quote) break;
    std::size_t backslashes = 0;
    for (const char* b = quote; b > content && b[-1] == '\\'; --b) ++backslashes;
    if (backslashes % 2 == 0) return static_cast<std::size_t>(quote - s.data()) + 1;
    p = quote + 1;
  }
  return s.size();
}

// The bytes skip_value() stops at inside a container.
constexpr auto structural = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {'"', '{', '[', '}', ']'}) t[c] = true;
  return t;
}();

// i is at the first byte of a value; returns the index just past it.
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (!structural[static_cast<unsigned char>(c)]) {
        ++i;
        continue;
      }
      if (c == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (c == '{' || c == '[')
        ++depth;
      else if (--depth == 0)
        return i + 1;
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_space(s[i])) ++i;
  return i;
}

bool key_equals(std::string_view raw_token, std::string_view key) {
  std::string_view inner = raw_token.substr(1, raw_token.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return inner == key;
  boost::json::error_code ec;
  auto v = boost::json::parse(raw_token, ec);
  return !ec && v.is_string() && v.as_string() == key;
}

// Calls on_match(value_begin, value_end) for each top-level member named `key` of the object
// `s` (a scan, not a parse: nothing is allocated unless a key has escapes).
template <class Fn>
void for_each_top_level(std::string_view s, std::string_view key, Fn&& on_match) {
  std::size_t i = skip_space(s, 0);
  if (i >= s.size() || s[i] != '{') return;
  i = skip_space(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    std::size_t key_end = skip_string(s, i);
    bool match = key_equals(s.substr(i, key_end - i), key);
    i = skip_space(s, key_end);
    if (i >= s.size() || s[i] != ':') break;
    std::size_t value_begin = skip_space(s, i + 1);
    std::size_t value_end = skip_value(s, value_begin);
    if (match) on_match(value_begin, value_end);
    i = skip_space(s, value_end);
    if (i < s.size() && s[i] == ',')
      i = skip_space(s, i + 1);
    else
      break;
  }
}

}  // namespace

std::string_view top_level_value(std::string_view object_json, std::string_view key) {
  std::string_view found;
  for_each_top_level(object_json, key, [&](std::size_t b, std::size_t e) { found = object_json.substr(b, e - b); });
  return found;
}

std::optional<std::string> top_level_string(std::string_view object_json, std::string_view key) {
  auto raw = top_level_value(object_json, key);
  if (raw.empty() || raw.front() != '"') return std::nullopt;
  boost::json::error_code ec;
  auto v = boost::json::parse(raw, ec);
  if (ec || !v.is_string()) return std::nullopt;
  return std::string(v.as_string());
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  detail::append_json_string(out, s);
  return out;
}

std::string replace_top_level_string(std::string_view s, std::string_view key, std::string_view value) {
  std::string out;
  std::size_t copied = 0;
  for_each_top_level(s, key, [&](std::size_t value_begin, std::size_t value_end) {
    if (out.empty()) out.reserve(s.size() + value.size() + 2);
    out.append(s.substr(copied, value_begin - copied));
    detail::append_json_string(out, value);
    copied = value_end;
  });
  if (copied == 0) return std::string(s);
  out.append(s.substr(copied));
  return out;
}

}  // namespace sy::api
