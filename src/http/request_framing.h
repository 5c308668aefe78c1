#pragma once
// Refuses request heads whose framing or routing is ambiguous (RFC 9112 §3.2, §6.1, §6.3): the
// shapes of request smuggling, where a proxy in front and this server could disagree on where
// one request ends or which host it is for. Beast's parser already refuses conflicting
// Content-Length values and malformed chunking; this adds what it accepts.
#include <optional>
#include <string>

#include "http/head_fields.h"

namespace sy::http {

struct framing_refusal {
  unsigned status;  // 400, or 501 for a transfer coding other than chunked
  std::string message;
};

// `version` is 10 or 11 (Beast's encoding). nullopt: the head is unambiguous.
std::optional<framing_refusal> check_framing(const head_fields& head, unsigned version);

}  // namespace sy::http
