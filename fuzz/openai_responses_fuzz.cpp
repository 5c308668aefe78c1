// Fuzz target: OpenAI Responses requests from any bytes, and any bytes as an OpenAI chat answer or
// stream written out as a Responses answer or event sequence. A request the parser accepts must
// encode for OpenAI (as a request OpenAI's parser accepts again) and Anthropic targets (or be
// refused with an error); every answer and every event's data must be valid JSON.
#include <cstdint>

#include "api/openai_responses.h"
#include "chat_fuzz_common.h"

namespace {

using namespace sy::api;

// Every `data:` line of an encoder's output must be JSON.
void events_must_be_json(std::string_view sse) {
  while (!sse.empty()) {
    auto nl = sse.find('\n');
    auto line = sse.substr(0, nl);
    sse = nl == std::string_view::npos ? std::string_view{} : sse.substr(nl + 1);
    if (line.starts_with("data: ")) fuzz::must_be_json(line.substr(6));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  responses_echo echo;
  auto parsed = parse_responses_request(in, {}, &echo);
  if (auto* req = std::get_if<chat_request>(&parsed)) {
    auto openai = write_openai_request(*req);
    if (auto* body = std::get_if<std::string>(&openai)) {
      parse_limits roomy;  // schemas and arguments come back re-serialized, a little deeper
      roomy.max_json_depth = 160;
      if (!std::holds_alternative<chat_request>(parse_openai_request(*body, roomy))) std::abort();
    }
    fuzz::must_be_json_or_error(write_anthropic_request(*req));
    fuzz::must_be_json(boost::json::serialize(echo));
  }
  responses_meta meta;
  meta.fallback_id = "f";
  meta.echo = echo;
  auto resp = parse_openai_response(in);
  if (auto* r = std::get_if<chat_response>(&resp)) fuzz::must_be_json(write_responses_response(*r, meta));

  // every line as one chat stream payload
  openai_stream_decoder decoder;
  responses_stream_encoder encoder(meta);
  std::string_view rest = in;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    for (const auto& e : decoder.decode(line)) events_must_be_json(encoder.encode(e));
  }
  events_must_be_json(encoder.end());
  return 0;
}
