// Fuzz target: the Gemini wire from any bytes, both ways. As a request: an OpenAI or Anthropic
// request the parsers accept must encode for Gemini (or be refused with an error) into valid
// JSON, and a model name into a path of URL-safe characters only. As an answer: replies, errors,
// model lists, embeddings and streamGenerateContent's SSE payloads must decode without crashing,
// into canonical answers and events that encode for OpenAI and Anthropic clients as valid JSON;
// nothing follows a stream's finish or error.
#include <cstdint>
#include <cstdlib>

#include "api/gemini_api.h"
#include "api/sse_data.h"
#include "chat_fuzz_common.h"

namespace {

using namespace sy::api;

void check_request(const api_result<chat_request>& parsed) {
  auto* req = std::get_if<chat_request>(&parsed);
  if (!req) return;
  fuzz::must_be_json_or_error(write_gemini_request(*req));
  auto path = gemini_method_path(req->model, req->stream ? "streamGenerateContent?alt=sse" : "generateContent");
  if (auto* p = std::get_if<std::string>(&path)) {
    std::string_view name(*p);
    name = name.substr(0, name.find(':'));
    for (char c : name)  // the name goes into a URL: nothing that could escape its path segment
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == '-' || c == '/'))
        std::abort();
  }
}

// the input as a stream: SSE `data:` payloads when it has any, else one payload per line
void check_stream(std::string_view in) {
  gemini_stream_decoder decoder;
  openai_stream_encoder to_openai("chatcmpl-f", 1, "m", true);
  anthropic_stream_encoder to_anthropic("msg_f", "m");
  bool over = false;  // a finish or an error came
  std::string out;
  auto take = [&](std::string_view payload) {
    auto events = decoder.decode(payload);
    if (over && !events.empty()) std::abort();
    for (const auto& e : events) {
      out += to_openai.encode(e);
      to_anthropic.encode(e);
      if (e.kind == stream_event_kind::error) over = true;
    }
    if (decoder.done()) over = true;
  };
  if (in.find("data:") != std::string_view::npos)
    for_each_sse_data(in, take);
  else
    for_each_line(in, take);
  out += to_openai.end();
  to_anthropic.end();
  for_each_sse_data(out, [](std::string_view data) {
    if (data != "[DONE]") fuzz::must_be_json(data);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check_request(parse_openai_request(in));
  check_request(parse_anthropic_request(in));
  auto resp = parse_gemini_response(in);
  if (auto* r = std::get_if<chat_response>(&resp)) {
    fuzz::must_be_json(write_openai_response(*r));
    fuzz::must_be_json(write_anthropic_response(*r));
  }
  fuzz::must_be_json(write_openai_error(parse_gemini_error(503, in)));
  fuzz::must_be_json(write_anthropic_error(parse_gemini_error(0, in)));
  (void)parse_gemini_models(in);
  auto embed = openai_embeddings_request_to_gemini(in);
  if (auto* e = std::get_if<gemini_embed_request>(&embed)) fuzz::must_be_json(e->body);
  fuzz::must_be_json_or_error(gemini_embeddings_to_openai(in, "m", false));
  fuzz::must_be_json_or_error(gemini_embeddings_to_openai(in, "m", true));
  check_stream(in);
  return 0;
}
