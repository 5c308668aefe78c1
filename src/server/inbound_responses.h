#pragma once
// Switchyard as an OpenAI Responses endpoint (POST /v1/responses), for clients built on that API
// (the openai SDKs' responses.create, Codex-style agents): the request is translated into an
// OpenAI chat request, routed like any other (any backend), and the answer (whole, or streamed
// event by event) translated back into a `response` object or the Responses event sequence.
// Nothing is stored: previous_response_id and other server-side state are refused (400).
// Errors keep OpenAI's format.
//
// Threading: a translator belongs to one send on one worker.
#include <string>
#include <string_view>
#include <variant>

#include "api/openai_chat.h"
#include "api/openai_responses.h"
#include "backends/openai_compat/openai_backend.h"

namespace sy {

struct translated_responses_request {
  std::string openai_body;    // what the router and the backends see
  std::string model;          // as the client named it
  api::responses_echo echo;   // request fields the answer repeats
  api::chat_request request;  // the decoded request: routing reads it (request_plan.h's routing_view)
};

// The Responses request as an OpenAI chat request; a 400 naming every feature that cannot be
// translated (its `param` is the first of them).
std::variant<translated_responses_request, api::api_error> responses_to_openai(std::string_view body);

// The OpenAI chat answer as a Responses answer. Upstream errors (and a 2xx reply that cannot be
// read) keep OpenAI's error body; a stream that fails ends with `error` and response.failed.
class responses_response_translator : public backends::response_translator {
 public:
  responses_response_translator(std::string model, api::responses_echo echo);
  std::string body(unsigned status, std::string_view upstream_body) override;
  std::string stream_events(std::string_view events) override;
  std::string stream_end() override;
  std::string stream_error(std::string_view message) override;
  std::string stream_cut_short() const override;  // no [DONE] and no finish reason came

 private:
  api::responses_meta meta_;
  api::openai_stream_decoder decoder_;
  api::responses_stream_encoder encoder_;
};

}  // namespace sy
