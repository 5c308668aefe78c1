#pragma once
// The reference for read_request_fields (tests and the request_fields fuzz target): the same
// fields read from a whole JSON tree, the way routing read them before its one-pass reader.
// Header-only: the fuzz target compiles it without the test support library.
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "router/request_fields.h"

namespace sy::test {

inline request_fields request_fields_from_tree(std::string_view body, std::string_view path,
                                               boost::system::error_code& ec) {
  namespace json = boost::json;
  request_fields out;
  json::value doc = json::parse(body, ec);
  if (ec) return out;
  auto& needs = out.needs;  // of any JSON document (the gateway refuses all but objects)
  needs.chat = path == "/chat/completions";
  needs.embeddings = path == "/embeddings";
  if (!doc.is_object()) return out;
  const auto& obj = doc.as_object();
  out.is_object = true;
  if (auto* m = obj.if_contains("model"); m && m->is_string()) out.model = std::string(m->as_string());
  if (auto* st = obj.if_contains("stream"); st && st->is_bool()) out.stream = st->as_bool();
  if (auto* u = obj.if_contains("user"); u && u->is_string())
    out.user = std::string(std::string_view(u->as_string()).substr(0, 256));
  if (const auto* tools = obj.if_contains("tools"); tools && tools->is_array() && !tools->as_array().empty())
    needs.tools = true;
  std::size_t text_bytes = 0;
  if (const auto* messages = obj.if_contains("messages"); messages && messages->is_array())
    for (const auto& m : messages->as_array())
      if (const auto* mo = m.if_object())
        if (const auto* c = mo->if_contains("content")) {
          if (c->is_string()) text_bytes += c->as_string().size();
          if (c->is_array())
            for (const auto& part : c->as_array()) {
              const auto* p = part.if_object();
              if (!p) continue;
              if (const auto* t = p->if_contains("text"); t && t->is_string()) text_bytes += t->as_string().size();
              if (const auto* type = p->if_contains("type");
                  type && type->is_string() && type->as_string() == "image_url")
                needs.vision = true;
            }
        }
  if (const auto* prompt = obj.if_contains("prompt"); prompt && prompt->is_string())
    text_bytes += prompt->as_string().size();
  needs.prompt_tokens = static_cast<std::int64_t>(text_bytes / 4);
  return out;
}

inline bool same_fields(const request_fields& a, const request_fields& b) {
  return a.is_object == b.is_object && a.model == b.model && a.stream == b.stream && a.user == b.user &&
         a.needs.chat == b.needs.chat && a.needs.embeddings == b.needs.embeddings && a.needs.tools == b.needs.tools &&
         a.needs.vision == b.needs.vision && a.needs.prompt_tokens == b.needs.prompt_tokens;
}

}  // namespace sy::test
