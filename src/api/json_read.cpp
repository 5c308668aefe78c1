#include "api/json_read.h"

#include <bit>

#include <cmath>
#include <limits>

namespace sy::api::detail {

std::string path_of(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string p;
  p.reserve(parent.size() + 1 + key.size());
  p.append(parent).append(".").append(key);
  return p;
}

std::string path_of(std::string_view parent, std::size_t index) {
  std::string p(parent);
  p.append("[").append(std::to_string(index)).append("]");
  return p;
}

const json::value* member(const json::object& object, std::string_view key) {
  auto* v = object.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::int64_t add_counts(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? std::numeric_limits<std::int64_t>::max() : 0;
  return sum;
}

bool is_json_object_text(std::string_view text, unsigned max_depth) {
  json::parse_options opt;
  opt.max_depth = max_depth;
  json::error_code ec;
  auto v = json::parse(text, ec, {}, opt);
  return !ec && v.is_object();
}

json::object object_from_text(std::string_view text) {
  if (text.empty()) return {};
  json::parse_options opt;
  opt.max_depth = 256;
  json::error_code ec;
  auto v = json::parse(text, ec, {}, opt);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

bool json_reader::fail(const field_path& path, std::string_view what) {
  if (error_) return false;
  std::string where = path.str();
  std::string message = where;
  if (!message.empty()) message += ": ";
  message += what;
  return fail_message(std::move(message), std::move(where));
}

bool json_reader::fail_message(std::string message, std::string param) {
  if (!error_) {
    api_error e;
    e.status = status_;
    e.message = status_ >= 500 ? "upstream reply: " + message : std::move(message);
    e.type = status_ >= 500 ? "api_error" : "invalid_request_error";
    if (status_ < 500) e.param = std::move(param);
    error_ = std::move(e);
  }
  return false;
}

json::object* json_reader::parse_object(std::string_view body, std::string_view what) {
  json::parse_options opt;
  opt.max_depth = limits_.max_json_depth;
  json::error_code ec;
  // the parser's own working stack on this thread's stack too (json::parse would allocate it)
  unsigned char scratch[1024];
  json::parser parser({}, opt, scratch, sizeof scratch);
  parser.reset(&arena_);
  parser.write(body.data(), body.size(), ec);
  if (!ec) document_ = parser.release();
  if (ec) {
    fail_message(std::string(what) + " is not valid JSON (" + ec.message() + ")");
    return nullptr;
  }
  if (!document_.is_object()) {
    fail_message(std::string(what) + " must be a JSON object");
    return nullptr;
  }
  return &document_.as_object();
}

const json::object* json_reader::object(const json::value& v, const field_path& path) {
  if (auto* o = v.if_object()) return o;
  fail(path, "expected an object");
  return nullptr;
}

const json::array* json_reader::array(const json::value& v, const field_path& path, std::size_t max_items) {
  auto* a = v.if_array();
  if (!a) {
    fail(path, "expected an array");
    return nullptr;
  }
  if (a->size() > max_items) {
    fail(path, "too many items (at most " + std::to_string(max_items) + ")");
    return nullptr;
  }
  return a;
}

bool json_reader::string(const json::value& v, const field_path& path, std::string& out, std::size_t max_bytes) {
  auto* s = v.if_string();
  if (!s) return fail(path, "expected a string");
  if (s->size() > max_bytes) return fail(path, "too long (at most " + std::to_string(max_bytes) + " bytes)");
  out.assign(s->data(), s->size());
  return true;
}

bool json_reader::number(const json::value& v, const field_path& path, double& out) {
  if (!v.is_number()) return fail(path, "expected a number");
  out = v.to_number<double>();
  if (!std::isfinite(out)) return fail(path, "expected a finite number");
  return true;
}

bool json_reader::integer(const json::value& v, const field_path& path, std::int64_t& out, std::int64_t min,
                          std::int64_t max) {
  std::int64_t n = 0;
  if (auto* i = v.if_int64()) {
    n = *i;
  } else if (auto* u = v.if_uint64()) {
    if (*u > static_cast<std::uint64_t>(max)) return fail(path, "out of range");
    n = static_cast<std::int64_t>(*u);
  } else if (auto* d = v.if_double()) {
    if (!std::isfinite(*d) || std::floor(*d) != *d) return fail(path, "expected an integer");
    if (*d < -9.0e18 || *d > 9.0e18) return fail(path, "out of range");
    n = static_cast<std::int64_t>(*d);
  } else {
    return fail(path, "expected an integer");
  }
  if (n < min || n > max) {
    return fail(path, "out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
  }
  out = n;
  return true;
}

bool json_reader::boolean(const json::value& v, const field_path& path, bool& out) {
  auto* b = v.if_bool();
  if (!b) return fail(path, "expected true or false");
  out = *b;
  return true;
}

bool json_reader::string_member(const json::object& o, std::string_view key, std::string_view parent, std::string& out,
                                std::size_t max_bytes) {
  auto* v = member(o, key);
  return !v || string(*v, field_path(parent, key), out, max_bytes);
}

bool json_reader::required_string_member(const json::object& o, std::string_view key, std::string_view parent,
                                         std::string& out, std::size_t max_bytes) {
  auto* v = member(o, key);
  if (!v) return fail(path_of(parent, key), "missing");
  return string(*v, field_path(parent, key), out, max_bytes);
}

bool json_reader::number_member(const json::object& o, std::string_view key, std::string_view parent,
                                std::optional<double>& out) {
  auto* v = member(o, key);
  if (!v) return true;
  double d = 0;
  if (!number(*v, field_path(parent, key), d)) return false;
  out = d;
  return true;
}

bool json_reader::integer_member(const json::object& o, std::string_view key, std::string_view parent,
                                 std::optional<std::int64_t>& out, std::int64_t min, std::int64_t max) {
  auto* v = member(o, key);
  if (!v) return true;
  std::int64_t n = 0;
  if (!integer(*v, field_path(parent, key), n, min, max)) return false;
  out = n;
  return true;
}

bool json_reader::boolean_member(const json::object& o, std::string_view key, std::string_view parent,
                                 std::optional<bool>& out) {
  auto* v = member(o, key);
  if (!v) return true;
  bool b = false;
  if (!boolean(*v, field_path(parent, key), b)) return false;
  out = b;
  return true;
}

bool json_reader::object_text_member(const json::object& o, std::string_view key, std::string_view parent,
                                     std::string& out) {
  auto* v = member(o, key);
  if (!v) return true;
  if (!v->is_object()) return fail(path_of(parent, key), "expected an object");
  out = json::serialize(*v);
  if (out.size() > limits_.max_string_bytes) return fail(path_of(parent, key), "too large");
  return true;
}

bool json_reader::stop_sequences(const json::value& v, std::vector<std::string>& out, std::string_view path) {
  std::string s;
  if (v.is_string()) {
    if (!string(v, path, s, limits_.max_stop_bytes)) return false;
    out.push_back(std::move(s));
    return true;
  }
  auto* a = array(v, path, limits_.max_stop);
  if (!a) return false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    if (!string((*a)[i], path_of(path, i), s, limits_.max_stop_bytes)) return false;
    out.push_back(std::move(s));
  }
  return true;
}

// OpenAI's encoding_format "base64": the vector as little-endian float32s, in base64.
std::string base64_float32(const json::array& vec) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  bytes.reserve(vec.size() * 4);
  for (const auto& x : vec) {
    auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(x.to_number<double>()));
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(digits[(n >> 18) & 63]);
    out.push_back(digits[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? digits[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? digits[n & 63] : '=');
  }
  return out;
}

bool read_function_definition(json_reader& rd, const json::object& o, const std::string& path, tool_definition& def) {
  const auto& lim = rd.limits();
  if (!rd.required_string_member(o, "name", path, def.name, lim.max_name_bytes)) return false;
  if (def.name.empty()) return rd.fail(path_of(path, "name"), "must not be empty");
  return rd.string_member(o, "description", path, def.description, lim.max_string_bytes) &&
         rd.object_text_member(o, "parameters", path, def.parameters);
}

json::value parse_error_body(std::string_view body) {
  json::parse_options opt;
  opt.max_depth = 32;
  json::error_code ec;
  auto v = json::parse(body, ec, {}, opt);
  return ec ? json::value() : v;
}

bool parse_function_tools(json_reader& rd, chat_request& req, const json::value& v, function_tools_rules rules) {
  const auto& lim = rd.limits();
  return each_object(rd, v, "tools", lim.max_tools, [&](const json::object& t, const std::string& tpath) {
    std::string type = "function";
    if (rules.type_required ? !rd.required_string_member(t, "type", tpath, type, lim.max_name_bytes)
                            : !rd.string_member(t, "type", tpath, type, lim.max_name_bytes))
      return false;
    if (type != "function") {
      note_untranslated(req, "tools of type '" + type + "'");
      return true;
    }
    auto fpath = path_of(tpath, "function");
    auto* fv = member(t, "function");
    if (!fv) return rd.fail(fpath, "missing");
    auto* f = rd.object(*fv, fpath);
    if (!f) return false;
    tool_definition def;
    if (!read_function_definition(rd, *f, fpath, def)) return false;
    if (rules.read_strict && !rd.boolean_member(*f, "strict", fpath, def.strict)) return false;
    req.tools.push_back(std::move(def));
    return true;
  });
}

}  // namespace sy::api::detail
