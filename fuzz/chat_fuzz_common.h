#pragma once
// Shared by the chat wire-format fuzz targets: whatever a parser accepted must encode for every
// target without throwing, into valid JSON; the stream decoders and encoders must take any
// payload.
#include <boost/json.hpp>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"

namespace sy::api::fuzz {

inline void must_be_json(std::string_view text) {
  boost::json::error_code ec;
  boost::json::parse(text, ec);
  if (ec) std::abort();
}

inline void must_be_json_or_error(const api_result<std::string>& r) {
  if (auto* s = std::get_if<std::string>(&r)) must_be_json(*s);
}

// Every line of `input` as one SSE payload through `decoder`, every event through both encoders.
template <class Decoder>
void drive_stream(std::string_view input) {
  Decoder decoder;
  openai_stream_encoder to_openai("chatcmpl-f", 1, "m", true);
  anthropic_stream_encoder to_anthropic("msg_f", "m");
  while (!input.empty()) {
    auto nl = input.find('\n');
    auto line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
    for (const auto& e : decoder.decode(line)) {
      to_openai.encode(e);
      to_anthropic.encode(e);
    }
  }
  to_openai.end();
  to_anthropic.end();
}

}  // namespace sy::api::fuzz
