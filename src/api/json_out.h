#pragma once
// Internal to src/api: JSON text written straight into a string, for the writers on every
// request's path (no document of nodes to allocate, fill and free before serializing it). The
// caller writes a well-formed sequence — a key before each member's value, containers closed in
// order; commas and string escaping are done here. Parts that are rare or already JSON values
// (schemas, tool inputs, pass-through members) go in whole with value().
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace sy::api::detail {

class json_out {
 public:
  explicit json_out(std::size_t reserve = 512) { out_.reserve(reserve); }

  json_out& begin_object() { return open('{'); }
  json_out& end_object() { return close('}'); }
  json_out& begin_array() { return open('['); }
  json_out& end_array() { return close(']'); }
  json_out& key(std::string_view k);
  json_out& string(std::string_view s);
  json_out& integer(std::int64_t n);
  json_out& number(double d);
  json_out& boolean(bool b);
  json_out& null();
  json_out& value(const boost::json::value& v);  // serialized in place
  // A member in one call: key(k) then the value.
  json_out& member(std::string_view k, std::string_view s) { return key(k).string(s); }
  json_out& member(std::string_view k, const char* s) { return key(k).string(s); }
  json_out& member(std::string_view k, std::int64_t n) { return key(k).integer(n); }
  json_out& member(std::string_view k, bool b) { return key(k).boolean(b); }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();  // a comma before a container's second and later items
  json_out& open(char bracket);
  json_out& close(char bracket);

  std::string out_;
  bool need_comma_ = false;
};

// `s` as a JSON string literal (quotes included) appended to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sy::api::detail
