#pragma once
// Switchyard as an OpenAI Responses endpoint (POST /v1/responses), for clients built on that API
// (the openai SDKs' responses.create, Codex-style agents): the request is decoded into the
// canonical chat request, routed like any other (any backend; no upstream speaks Responses, so
// each target gets it encoded for its wire), and the answer (whole, or streamed event by event)
// encoded as a `response` object or the Responses event sequence.
// Nothing is stored: previous_response_id and other server-side state are refused (400).
// Errors keep OpenAI's format.
//
// Threading: an encoder belongs to one send on one worker.
#include <string>
#include <string_view>
#include <variant>

#include "api/openai_chat.h"
#include "api/openai_responses.h"
#include "backends/answer_codec.h"
#include "server/decoded_chat.h"

namespace sy {

struct decoded_responses_chat {
  decoded_chat chat;
  api::responses_echo echo;  // request fields the answer repeats
};

// The Responses request decoded; a 400 naming every feature that cannot be translated (its
// `param` is the first of them).
std::variant<decoded_responses_chat, api::api_error> read_responses_chat(std::string_view body);

// The answer as a Responses answer. Upstream errors (and a 2xx reply that cannot be read) keep
// OpenAI's error body; a stream that fails ends with `error` and response.failed.
class responses_answer_encoder : public backends::answer_encoder {
 public:
  responses_answer_encoder(std::string model, api::responses_echo echo);
  std::string body(api::chat_response& response) override;
  std::string error(const api::api_error& error) override;
  std::string event(api::stream_event& event) override { return encoder_.encode(event); }
  std::string end() override { return encoder_.end(); }

 private:
  api::responses_meta meta_;
  api::responses_stream_encoder encoder_;
};

}  // namespace sy
