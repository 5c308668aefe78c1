#pragma once
// OpenAI Chat Completions answers <-> the canonical form, for chat_answer: the decoder reads an
// OpenAI-compatible upstream's reply, error or SSE chunks; the encoder writes them for an OpenAI
// client of an upstream of another wire. One per send; not thread-safe.
#include <optional>

#include "api/openai_chat.h"
#include "backends/chat_answer.h"

namespace sy::backends {

class openai_answer_decoder final : public answer_decoder {
 public:
  api::api_result<api::chat_response> parse(std::string_view body) override;
  api::api_error parse_error(unsigned status, std::string_view body) override;
  std::vector<api::stream_event> decode(std::string_view payload) override { return decoder_.decode(payload); }
  // [DONE], or a finish reason (some servers close after it without [DONE])
  bool complete() const override { return decoder_.ended(); }
  std::string_view unfinished() const override { return api::openai_stream_unfinished; }

 private:
  api::openai_stream_decoder decoder_;
};

// Streams always carry their usage chunk (clients that did not ask ignore a chunk with empty
// choices); the chunks' id and model are the upstream's, from its start event.
class openai_answer_encoder final : public answer_encoder {
 public:
  std::string body(api::chat_response& response) override { return api::write_openai_response(response); }
  std::string error(const api::api_error& error) override { return api::write_openai_error(error); }
  std::string event(api::stream_event& event) override;
  std::string end() override { return encoder_ ? encoder_->end() : std::string(); }

 private:
  std::optional<api::openai_stream_encoder> encoder_;
};

// A chat request for an OpenAI-compatible upstream (one without a dialect): OpenAI's words for
// its model `model`, and the decoder of its answer. Signed reasoning is left out (such servers
// refuse `reasoning_details`); what the canonical request could not carry is refused.
std::variant<upstream_dialect::chat_outbound, upstream_dialect::refusal> openai_chat(const api::chat_request& request,
                                                                                     std::string_view model);

}  // namespace sy::backends
