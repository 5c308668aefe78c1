// OpenAI's error body, written and read (see openai_chat.h).
#include <string>

#include "api/json_read.h"
#include "api/openai_chat.h"
#include "api/utf8_text.h"
#include "core/error_types.h"

namespace sy::api {

using namespace detail;

namespace {

bool is_openai_error_type(std::string_view t) {
  static constexpr std::string_view known[] = {"invalid_request_error", "authentication_error", "permission_error",
                                               "not_found_error",       "rate_limit_error",     "api_error",
                                               "server_error",          "insufficient_quota",   "timeout_error",
                                               "request_too_large",     "upstream_error",       "overloaded_error"};
  for (auto k : known)
    if (t == k) return true;
  return false;
}

}  // namespace

std::string write_openai_error(const api_error& e) {
  json::object err{{"message", e.message},
                   {"type", is_openai_error_type(e.type) ? std::string_view(e.type) : error_type_for_status(e.status)}};
  if (e.param.empty())
    err["param"] = nullptr;
  else
    err["param"] = e.param;
  err["code"] = nullptr;
  return json::serialize(json::object{{"error", std::move(err)}});
}

api_error parse_openai_error(unsigned status, std::string_view body) {
  api_error e{status, "upstream returned HTTP " + std::to_string(status), {}, {}};
  auto v = parse_error_body(body);
  if (!v.is_object()) return e;
  const auto& o = v.as_object();
  auto take = [](const json::object& from, std::string_view key, std::string& to, std::size_t max) {
    if (auto* s = member(from, key); s && s->is_string() && !s->as_string().empty())
      to = utf8_prefix(s->as_string(), max);
  };
  if (auto* err = member(o, "error")) {
    if (err->is_string()) {
      take(o, "error", e.message, 4096);
    } else if (err->is_object()) {
      take(err->as_object(), "message", e.message, 4096);
      take(err->as_object(), "type", e.type, 64);
      take(err->as_object(), "param", e.param, 256);
    }
  } else {
    take(o, "message", e.message, 4096);
    take(o, "detail", e.message, 4096);
  }
  return e;
}

}  // namespace sy::api
