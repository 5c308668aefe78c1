#pragma once
// The answer of a chat upstream that speaks another API (Anthropic, Gemini, ...) in OpenAI's
// format: a chat.completion, an OpenAI error body, or the chunk sequence of a stream. Each
// dialect says how to read its upstream's replies; the rendering lives here once.
//
// A stream that ends without the upstream's own end marker (complete() false) was cut short:
// it ends with an error event, never with a clean [DONE]. One per send; not thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat_types.h"
#include "api/openai_chat.h"
#include "backends/openai_compat/openai_backend.h"

namespace sy::backends {

class chat_answer_to_openai : public response_translator {
 public:
  // How the upstream frames its stream: SSE events (each `data:` is a payload) or NDJSON
  // (each line is one).
  enum class framing { sse, ndjson };
  explicit chat_answer_to_openai(framing f = framing::sse) : framing_(f) {}

  std::string body(unsigned status, std::string_view upstream_body) override;
  std::string stream_events(std::string_view events) override;
  std::string stream_end() override;
  std::string stream_error(std::string_view message) override;
  std::string stream_cut_short() const override;

 protected:
  // A whole 2xx reply, an error reply, one stream payload, and whether the
  // stream has seen its end marker.
  virtual api::api_result<api::chat_response> parse(std::string_view body) = 0;
  virtual api::api_error parse_error(unsigned status, std::string_view body) = 0;
  virtual std::vector<api::stream_event> decode(std::string_view payload) = 0;
  virtual bool complete() const = 0;

 private:
  std::string encode(const api::stream_event& e);
  framing framing_;
  std::optional<api::openai_stream_encoder> encoder_;
  bool failed_ = false;
};

}  // namespace sy::backends
