// Fuzz target: Ollama /api/chat and /api/generate requests (and replies, NDJSON stream lines and
// embeddings bodies) from any bytes. A request the parser accepts must come back through the
// Ollama writer as a request the parser accepts again, and must encode for OpenAI and Anthropic
// targets (or be refused with an error) without crashing.
#include <cstdint>

#include "api/ollama_api.h"
#include "chat_fuzz_common.h"
#include "core/rfc3339.h"

namespace {

using namespace sy::api;

void check_request(const api_result<chat_request>& parsed) {
  auto* req = std::get_if<chat_request>(&parsed);
  if (!req) return;
  auto again = write_ollama_chat_request(*req);
  if (auto* body = std::get_if<std::string>(&again)) {
    fuzz::must_be_json(*body);
    parse_limits roomy;  // arguments sent as JSON text come back as (deeper) objects
    roomy.max_json_depth = 160;
    if (!std::holds_alternative<chat_request>(parse_ollama_chat_request(*body, roomy))) std::abort();
  }
  fuzz::must_be_json_or_error(write_openai_request(*req));
  fuzz::must_be_json_or_error(write_anthropic_request(*req));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check_request(parse_ollama_chat_request(in));
  check_request(parse_ollama_generate_request(in));
  auto resp = parse_ollama_response(in);
  if (auto* r = std::get_if<chat_response>(&resp)) {
    fuzz::must_be_json(write_ollama_chat_response(*r));
    fuzz::must_be_json(write_ollama_generate_response(*r));
    fuzz::must_be_json(write_openai_response(*r));
    fuzz::must_be_json(write_anthropic_response(*r));
  }
  fuzz::must_be_json_or_error(ollama_embed_request_to_openai(in));
  fuzz::must_be_json_or_error(ollama_embeddings_request_to_openai(in));
  fuzz::must_be_json_or_error(openai_embeddings_to_ollama_embed(in));
  fuzz::must_be_json_or_error(ollama_embed_to_openai_embeddings(in));
  fuzz::must_be_json(write_ollama_error(parse_ollama_error(500, in)));
  auto tags = parse_ollama_tags(in);
  if (auto* list = std::get_if<std::vector<ollama_model_entry>>(&tags)) fuzz::must_be_json(write_ollama_tags(*list));
  if (auto t = sy::parse_rfc3339(in); t && sy::parse_rfc3339(sy::format_rfc3339(*t)) != t) std::abort();

  // the input as an NDJSON stream, through every encoder; each Ollama line must be JSON
  ollama_stream_decoder decoder;
  ollama_stream_encoder to_ollama("m", ollama_endpoint::chat, 0);
  openai_stream_encoder to_openai("chatcmpl-f", 1, "m", true);
  anthropic_stream_encoder to_anthropic("msg_f", "m");
  std::string lines;
  for (const auto& e : decoder.feed(in)) {
    lines += to_ollama.encode(e);
    to_openai.encode(e);
    to_anthropic.encode(e);
  }
  lines += to_ollama.end();
  to_openai.end();
  to_anthropic.end();
  for (std::string_view rest = lines; !rest.empty();) {
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) std::abort();  // every line ends in a newline
    fuzz::must_be_json(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  return 0;
}
