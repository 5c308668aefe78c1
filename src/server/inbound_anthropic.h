#pragma once
// Switchyard as an Anthropic Messages endpoint (POST /v1/messages), for the Anthropic SDKs and
// Claude Code: the request is decoded into the canonical chat request, routed like any other
// (an Anthropic target gets the client's own bytes; the others the request encoded for their
// wire), and the answer (whole, or streamed event by event) encoded in Anthropic's format.
// Errors come in Anthropic's format.
//
// Threading: an encoder belongs to one send on one worker.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"
#include "backends/answer_codec.h"
#include "server/decoded_chat.h"

namespace sy {

// The Messages request decoded (see decoded_chat::untranslatable); a 400 for a request that is
// not a valid Messages request.
std::variant<decoded_chat, api::api_error> read_anthropic_chat(std::string_view body);

// POST /v1/messages/count_tokens: the request (a Messages request without max_tokens) as
//   - `counting_chat`: a chat request for one output token, whose usage's input tokens are the
//     count (for local engines: their own template and tokenizer, at no cost);
//   - `anthropic_body`: the count request as an Anthropic upstream takes it (model, messages,
//     system, tools, tool_choice, thinking).
struct count_tokens_request {
  api::chat_request counting_chat;
  std::string anthropic_body;
  std::string model;  // as the client named it
};
std::variant<count_tokens_request, api::api_error> read_count_tokens_request(std::string_view body);

// A counting chat's answer as {"input_tokens": N} (errors in Anthropic's format). Never streamed.
class token_count_encoder : public backends::answer_encoder {
 public:
  std::string body(api::chat_response& response) override;
  std::string error(const api::api_error& error) override;
  std::string event(api::stream_event&) override { return {}; }
  std::string end() override { return {}; }
};

// exchange::error_format for Anthropic clients.
std::string anthropic_error_format(unsigned status, std::string_view message, std::string_view type,
                                   std::string_view code);

// The answer as Anthropic's: a message, or the event sequence of a streamed one, named after
// the model the client asked for.
class anthropic_answer_encoder : public backends::answer_encoder {
 public:
  explicit anthropic_answer_encoder(std::string model);
  std::string body(api::chat_response& response) override;
  std::string error(const api::api_error& error) override;
  std::string event(api::stream_event& event) override;
  std::string end() override { return encoder_.end(); }

 private:
  std::string model_;
  api::anthropic_stream_encoder encoder_;
};

}  // namespace sy
