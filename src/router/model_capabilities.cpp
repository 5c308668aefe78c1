#include "router/model_capabilities.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace sy {

namespace json = boost::json;

json::object model_capabilities::to_json() const {
  json::object o;
  if (context_length) o["context_length"] = *context_length;
  auto put = [&](const char* key, const std::optional<bool>& v) {
    if (v) o[key] = *v;
  };
  put("chat", chat);
  put("tools", tools);
  put("vision", vision);
  put("embeddings", embeddings);
  put("reasoning", reasoning);
  return o;
}

namespace {

// Text bytes and whether an image part occurs, in a message's content (a string or parts).
void scan_content(const json::value& content, std::size_t& text_bytes, bool& image) {
  if (content.is_string()) {
    text_bytes += content.as_string().size();
    return;
  }
  if (!content.is_array()) return;
  for (const auto& part : content.as_array()) {
    const auto* p = part.if_object();
    if (!p) continue;
    if (const auto* t = p->if_contains("text"); t && t->is_string()) text_bytes += t->as_string().size();
    if (const auto* type = p->if_contains("type"); type && type->is_string() && type->as_string() == "image_url")
      image = true;
  }
}

}  // namespace

request_needs read_request_needs(const json::object& body, std::string_view path) {
  request_needs needs;
  needs.chat = path == "/chat/completions";
  needs.embeddings = path == "/embeddings";
  if (const auto* tools = body.if_contains("tools"); tools && tools->is_array() && !tools->as_array().empty())
    needs.tools = true;
  std::size_t text_bytes = 0;
  if (const auto* messages = body.if_contains("messages"); messages && messages->is_array())
    for (const auto& m : messages->as_array())
      if (const auto* mo = m.if_object())
        if (const auto* c = mo->if_contains("content")) scan_content(*c, text_bytes, needs.vision);
  if (const auto* prompt = body.if_contains("prompt"); prompt && prompt->is_string())
    text_bytes += prompt->as_string().size();
  needs.prompt_tokens = static_cast<std::int64_t>(text_bytes / 4);
  return needs;
}

std::string missing_capability(const model_capabilities& caps, const request_needs& needs) {
  if (needs.embeddings && caps.embeddings == false) return "embeddings";
  if (needs.chat && caps.chat == false) return "chat";
  if (needs.tools && caps.tools == false) return "tools";
  if (needs.vision && caps.vision == false) return "images";
  if (caps.context_length && *caps.context_length > 0 && needs.prompt_tokens > *caps.context_length)
    return fmt::format("a context of at least {} tokens (the model has {})", needs.prompt_tokens, *caps.context_length);
  return {};
}

}  // namespace sy
