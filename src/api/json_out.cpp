#include "api/json_out.h"

#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>

namespace sy::api::detail {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

void json_out::separate() {
  if (need_comma_) out_.push_back(',');
}

json_out& json_out::open(char bracket) {
  separate();
  out_.push_back(bracket);
  need_comma_ = false;
  return *this;
}

json_out& json_out::close(char bracket) {
  out_.push_back(bracket);
  need_comma_ = true;
  return *this;
}

json_out& json_out::key(std::string_view k) {
  separate();
  append_json_string(out_, k);
  out_.push_back(':');
  need_comma_ = false;  // its value follows
  return *this;
}

json_out& json_out::string(std::string_view s) {
  separate();
  append_json_string(out_, s);
  need_comma_ = true;
  return *this;
}

json_out& json_out::integer(std::int64_t n) {
  separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
  need_comma_ = true;
  return *this;
}

json_out& json_out::number(double d) {
  if (!std::isfinite(d)) return null();  // JSON has no NaN or infinity
  separate();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);  // the shortest text that reads back as d
  out_.append(buf, r.ptr);
  if (std::string_view(buf, r.ptr - buf).find_first_of(".eEn") == std::string_view::npos)
    out_.append(".0");  // still a number with a fraction to whoever reads it (0.0, not 0)
  need_comma_ = true;
  return *this;
}

json_out& json_out::boolean(bool b) {
  separate();
  out_.append(b ? "true" : "false");
  need_comma_ = true;
  return *this;
}

json_out& json_out::null() {
  separate();
  out_.append("null");
  need_comma_ = true;
  return *this;
}

json_out& json_out::value(const boost::json::value& v) {
  switch (v.kind()) {  // scalars in place; containers through Boost.JSON's serializer
    case boost::json::kind::null: return null();
    case boost::json::kind::bool_: return boolean(v.get_bool());
    case boost::json::kind::int64: return integer(v.get_int64());
    case boost::json::kind::double_: return number(v.get_double());
    case boost::json::kind::string: return string(v.get_string());
    default: break;
  }
  separate();
  out_.append(boost::json::serialize(v));
  need_comma_ = true;
  return *this;
}

}  // namespace sy::api::detail
