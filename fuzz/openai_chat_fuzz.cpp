// Fuzz target: OpenAI Chat Completions requests (and responses and stream chunks) from any bytes.
// A request the parser accepts must come back through the OpenAI writer as a request the parser
// accepts again, and must encode for an Anthropic target (or be refused with an error) without
// crashing. An answer the one-pass reader of plain answers takes must read the same from the
// tree.
#include <cstdint>

#include "api/openai_plain_answer.h"
#include "chat_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sy::api;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_openai_request(in);
  if (auto* req = std::get_if<chat_request>(&parsed)) {
    auto again = write_openai_request(*req);
    if (auto* body = std::get_if<std::string>(&again)) {
      fuzz::must_be_json(*body);
      if (!std::holds_alternative<chat_request>(parse_openai_request(*body))) std::abort();
    }
    fuzz::must_be_json_or_error(write_anthropic_request(*req));
  }
  auto resp = parse_openai_response(in);
  // the one-pass reader of plain answers answers exactly what the tree reader does, or nothing
  if (auto plain = detail::read_plain_openai_answer(in, {})) {
    auto tree = detail::parse_openai_response_tree(in, {});
    auto* t = std::get_if<chat_response>(&tree);
    if (!t || !(*t == *plain)) std::abort();
  }
  if (auto* r = std::get_if<chat_response>(&resp)) {
    fuzz::must_be_json(write_openai_response(*r));
    fuzz::must_be_json(write_anthropic_response(*r));
  }
  fuzz::must_be_json(write_anthropic_error(parse_openai_error(400, in)));
  fuzz::drive_stream<openai_stream_decoder>(in);
  return 0;
}
