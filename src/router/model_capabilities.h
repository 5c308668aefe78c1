#pragma once
// What a model can do, where its provider says (its model list, the GGUF header of a local
// model), and what a request needs; the gateway skips route targets that are known to lack a
// need and refuses the request with a 400 naming the capability when no target has it. Unknown
// (nullopt) never rules a model out.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace sy {

struct model_capabilities {
  std::optional<std::int64_t> context_length;  // tokens
  std::optional<bool> chat;                    // answers chat requests
  std::optional<bool> tools;
  std::optional<bool> vision;  // takes images
  std::optional<bool> embeddings;
  std::optional<bool> reasoning;
  bool operator==(const model_capabilities&) const = default;
  bool known() const { return *this != model_capabilities{}; }
  boost::json::object to_json() const;  // only what is known
};

// A backend's model list: the ids, and what the list said about some of them.
struct model_listing {
  std::vector<std::string> ids;
  std::map<std::string, model_capabilities> capabilities;
};

struct request_needs {
  bool chat = false;               // a chat request (/chat/completions)
  bool embeddings = false;         // an embeddings request
  bool tools = false;              // tool definitions
  bool vision = false;             // image parts
  std::int64_t prompt_tokens = 0;  // a low estimate of the prompt's tokens (its text bytes / 4)
};

// (An OpenAI-format body's needs are read by read_request_fields, router/request_fields.h.)

// The first need `caps` is known to lack, in words ("tools", "images", "a context of 9000
// tokens (this model has 4096)", ...); "" when it may serve the request.
std::string missing_capability(const model_capabilities& caps, const request_needs& needs);

}  // namespace sy
