// Fuzz target: Anthropic Messages requests (and responses and stream events) from any bytes. A
// request the parser accepts must encode for both targets (or be refused with an error) into
// valid JSON without crashing.
#include <cstdint>

#include "chat_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sy::api;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_anthropic_request(in);
  if (auto* req = std::get_if<chat_request>(&parsed)) {
    fuzz::must_be_json_or_error(write_anthropic_request(*req));
    fuzz::must_be_json_or_error(write_openai_request(*req));
  }
  auto resp = parse_anthropic_response(in);
  if (auto* r = std::get_if<chat_response>(&resp)) {
    fuzz::must_be_json(write_anthropic_response(*r));
    fuzz::must_be_json(write_openai_response(*r));
  }
  fuzz::must_be_json(write_openai_error(parse_anthropic_error(529, in)));
  fuzz::drive_stream<anthropic_stream_decoder>(in);
  return 0;
}
