#pragma once
// Switchyard as an Anthropic Messages endpoint (POST /v1/messages), for the Anthropic SDKs and
// Claude Code: the request is translated into an OpenAI chat request, routed like any other,
// and the answer (whole, or streamed event by event) translated back. Errors come in
// Anthropic's format.
//
// Threading: a translator belongs to one send on one worker.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"
#include "backends/openai_compat/openai_backend.h"

namespace sy {

struct translated_request {
  std::string openai_body;   // what the router and the backends see
  std::string model;         // as the client named it
  bool no_messages = false;  // Ollama's "load the model" request (empty messages or prompt)
  // What the translation leaves out that matters (a 400 naming it): only a target of the
  // client's own API can take the request then (gateway::native_request; openai_body leaves
  // the feature out).
  std::optional<api::api_error> untranslatable;
  api::chat_request request;  // the decoded request: routing reads it (request_plan.h's routing_view)
};

// The Messages request as an OpenAI chat request (see translated_request::untranslatable); a
// 400 for a request that is not a valid Messages request.
std::variant<translated_request, api::api_error> anthropic_to_openai(std::string_view body);

// POST /v1/messages/count_tokens: the request (a Messages request without max_tokens) as
//   - `counting_chat`: an OpenAI chat request for one output token, whose usage.prompt_tokens is
//     the count (for local engines: their own template and tokenizer, at no cost);
//   - `anthropic_body`: the count request as an Anthropic upstream takes it (model, messages,
//     system, tools, tool_choice, thinking).
struct count_tokens_request {
  std::string counting_chat;
  std::string anthropic_body;
  std::string model;  // as the client named it
};
std::variant<count_tokens_request, api::api_error> read_count_tokens_request(std::string_view body);

// A counting chat's answer as {"input_tokens": N} (errors in Anthropic's format).
class token_count_translator : public backends::response_translator {
 public:
  std::string body(unsigned status, std::string_view upstream_body) override;
  std::string stream_events(std::string_view) override { return {}; }
  std::string stream_end() override { return {}; }
  std::string stream_error(std::string_view) override { return {}; }
};

// exchange::error_format for Anthropic clients.
std::string anthropic_error_format(unsigned status, std::string_view message, std::string_view type,
                                   std::string_view code);

// The OpenAI answer as Anthropic's: a message, or the event sequence of a streamed one.
class anthropic_response_translator : public backends::response_translator {
 public:
  explicit anthropic_response_translator(std::string model);
  std::string body(unsigned status, std::string_view upstream_body) override;
  std::string stream_events(std::string_view events) override;
  std::string stream_end() override;
  std::string stream_error(std::string_view message) override;
  std::string stream_cut_short() const override;  // no [DONE] and no finish reason came

 private:
  std::string model_;
  api::openai_stream_decoder decoder_;
  api::anthropic_stream_encoder encoder_;
};

}  // namespace sy
