#pragma once
// The reference for backends::read_reported_usage (tests and the reported_usage fuzz target):
// the same rules read from a whole JSON tree, the way the relay read usage before its one-pass
// reader. Header-only: the fuzz target compiles it without the test support library.
#include <cstdint>
#include <limits>
#include <string_view>

#include <boost/json.hpp>

#include "backends/reported_usage.h"

namespace sy::test {

inline backends::reported_usage usage_from_tree(std::string_view document, boost::system::error_code& ec) {
  namespace json = boost::json;
  backends::reported_usage out;
  json::value v = json::parse(document, ec);
  if (ec) return out;
  const auto* obj = v.if_object();
  if (!obj) return out;
  out.has_error_member = obj->contains("error");
  if (auto* p = obj->if_contains("prompt_eval_count"); p && p->is_int64()) out.prompt_tokens = p->as_int64();
  if (auto* e = obj->if_contains("eval_count"); e && e->is_int64()) out.completion_tokens = e->as_int64();
  const auto* usage = obj->if_contains("usage");
  if (!usage || !usage->is_object()) return out;
  const auto& u = usage->as_object();
  if (auto* p = u.if_contains("prompt_tokens"); p && p->is_int64()) out.prompt_tokens = p->as_int64();
  if (auto* c = u.if_contains("completion_tokens"); c && c->is_int64()) out.completion_tokens = c->as_int64();
  if (auto* d = u.if_contains("prompt_tokens_details"); d && d->is_object())
    if (auto* c = d->as_object().if_contains("cached_tokens"); c && c->is_int64()) out.cached_tokens = c->as_int64();
  if (auto* i = u.if_contains("input_tokens"); i && i->is_int64() && !u.contains("prompt_tokens")) {
    std::int64_t input = i->as_int64();
    for (const char* k : {"cache_read_input_tokens", "cache_creation_input_tokens"})
      if (auto* c = u.if_contains(k); c && c->is_int64() && c->as_int64() > 0)
        input = c->as_int64() > std::numeric_limits<std::int64_t>::max() - input
                    ? std::numeric_limits<std::int64_t>::max()
                    : input + c->as_int64();
    out.prompt_tokens = input;
    if (auto* c = u.if_contains("cache_read_input_tokens"); c && c->is_int64()) out.cached_tokens = c->as_int64();
  }
  if (auto* o = u.if_contains("output_tokens"); o && o->is_int64() && !u.contains("completion_tokens"))
    out.completion_tokens = o->as_int64();
  return out;
}

inline bool same_usage(const backends::reported_usage& a, const backends::reported_usage& b) {
  return a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
         a.cached_tokens == b.cached_tokens && a.has_error_member == b.has_error_member;
}

}  // namespace sy::test
