#pragma once
// What every inbound chat adapter (Anthropic, Ollama, Responses) hands the gateway.
#include <optional>
#include <string>

#include "api/chat_types.h"

namespace sy {

// A client's chat request as its inbound adapter decoded it.
struct decoded_chat {
  // Routing reads it (request_plan.h's routing_view); a target of another wire than the
  // client's gets it encoded for that wire.
  api::chat_request request;
  std::string model;         // as the client named it
  bool no_messages = false;  // Ollama's "load the model" request (empty messages or prompt)
  // What the canonical request leaves out that matters (a 400 naming it): only a target of the
  // client's own API can take the request then (gateway::chat_call).
  std::optional<api::api_error> untranslatable;
};

}  // namespace sy
