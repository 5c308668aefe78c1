#pragma once
// The two halves of a chat answer's translation (backends/chat_answer.h puts them together): an
// upstream wire's decoder into the canonical form and a client wire's encoder out of it.
// One of each per send; used on the calling worker only.
#include <string>
#include <string_view>
#include <vector>

#include "api/chat_types.h"

namespace sy::backends {

// An upstream wire's chat answers in canonical form.
class answer_decoder {
 public:
  // How the upstream frames a stream: SSE events (each `data:` is one payload) or NDJSON lines.
  enum class framing { sse, ndjson };
  virtual ~answer_decoder() = default;
  virtual framing stream_framing() const { return framing::sse; }
  // A whole 2xx reply; an error reply (any status, any bytes).
  virtual api::api_result<api::chat_response> parse(std::string_view body) = 0;
  virtual api::api_error parse_error(unsigned status, std::string_view body) = 0;
  // One stream payload.
  virtual std::vector<api::stream_event> decode(std::string_view payload) = 0;
  // Whether the stream's own end marker came; if not, why the stream counts as cut short.
  virtual bool complete() const = 0;
  virtual std::string_view unfinished() const { return "the upstream's stream ended before its last event"; }
};

// A client wire's chat answers from canonical form.
class answer_encoder {
 public:
  virtual ~answer_encoder() = default;
  virtual std::string body(api::chat_response& response) = 0;  // a whole reply (the encoder may rename)
  virtual std::string error(const api::api_error& error) = 0;  // a whole error reply
  virtual std::string event(api::stream_event& event) = 0;     // one stream event (an error event ends it)
  virtual std::string end() = 0;                               // the clean end of a stream
  virtual std::string_view stream_content_type() const { return "text/event-stream"; }
};

}  // namespace sy::backends
