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
