#include "server/inbound_anthropic.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/sse_data.h"

namespace sy {

std::variant<translated_request, api::api_error> anthropic_to_openai(std::string_view body) {
  auto parsed = api::parse_anthropic_request(body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return *err;
  auto& request = std::get<api::chat_request>(parsed);
  auto refused = api::refuse_untranslated(request);
  request.stream_usage = request.stream;  // Anthropic streams always end with their usage
  // the pivot keeps thinking signatures: an Anthropic or Gemini upstream needs them back
  auto written = api::write_openai_request(request, {.reasoning_details = true});
  if (auto* err = std::get_if<api::api_error>(&written)) return *err;
  translated_request out{std::move(std::get<std::string>(written)), request.model};
  out.untranslatable = std::move(refused);
  out.request = std::move(request);
  return out;
}

std::variant<count_tokens_request, api::api_error> read_count_tokens_request(std::string_view body) {
  // the Messages parser wants max_tokens, which a count request does not carry
  boost::json::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return api::api_error{400, "request body must be a JSON object", {}, {}};
  auto& o = doc.as_object();
  for (const char* key : {"max_tokens", "stream"})
    if (o.contains(key))
      return api::api_error{400, std::string(key) + ": not a field of a count_tokens request", {}, key};
  o["max_tokens"] = 1;
  auto parsed = api::parse_anthropic_request(boost::json::serialize(o));
  if (auto* err = std::get_if<api::api_error>(&parsed)) return *err;
  auto& request = std::get<api::chat_request>(parsed);
  if (auto refused = api::refuse_untranslated(request)) return *refused;
  count_tokens_request out;
  out.model = request.model;
  auto anthropic = api::write_anthropic_request(request);
  if (auto* err = std::get_if<api::api_error>(&anthropic)) return *err;
  auto counted = boost::json::parse(std::get<std::string>(anthropic)).as_object();
  for (const char* key : {"max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences", "metadata"})
    counted.erase(key);
  out.anthropic_body = boost::json::serialize(counted);
  request.sampling = {};
  request.sampling.max_tokens = 1;
  request.stop.clear();
  request.stream = request.stream_usage = false;
  auto chat = api::write_openai_request(request);
  if (auto* err = std::get_if<api::api_error>(&chat)) return *err;
  out.counting_chat = std::move(std::get<std::string>(chat));
  return out;
}

std::string token_count_translator::body(unsigned status, std::string_view upstream_body) {
  if (status < 200 || status >= 300) return api::write_anthropic_error(api::parse_openai_error(status, upstream_body));
  auto parsed = api::parse_openai_response(upstream_body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return api::write_anthropic_error(*err);
  const auto& usage = std::get<api::chat_response>(parsed).usage;
  if (!usage.input_tokens)
    return api::write_anthropic_error(api::api_error{502, "the engine did not report the prompt's tokens", {}, {}});
  return boost::json::serialize(boost::json::object{{"input_tokens", *usage.input_tokens}});
}

std::string anthropic_error_format(unsigned status, std::string_view message, std::string_view, std::string_view) {
  // Anthropic's own error types follow from the status; OpenAI's words (upstream_error, ...) do not fit
  return api::write_anthropic_error(api::api_error{status, std::string(message), {}, {}});
}

anthropic_response_translator::anthropic_response_translator(std::string model)
    : model_(std::move(model)), encoder_("", model_) {}

std::string anthropic_response_translator::body(unsigned status, std::string_view upstream_body) {
  if (status < 200 || status >= 300) return api::write_anthropic_error(api::parse_openai_error(status, upstream_body));
  auto parsed = api::parse_openai_response(upstream_body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return api::write_anthropic_error(*err);
  auto& response = std::get<api::chat_response>(parsed);
  response.model = model_;  // the name the client asked for
  return api::write_anthropic_response(response);
}

std::string anthropic_response_translator::stream_events(std::string_view events) {
  // whole SSE events: each "data: <payload>" line is one OpenAI chunk (or [DONE])
  std::string out;
  api::for_each_sse_data(events, [&](std::string_view payload) {
    for (auto& e : decoder_.decode(payload)) {
      if (e.kind == api::stream_event_kind::start) e.model = model_;
      out += encoder_.encode(e);
    }
  });
  return out;
}

std::string anthropic_response_translator::stream_end() {
  // the HTTP body ended cleanly, the stream did not: never a fabricated message_stop
  if (auto why = stream_cut_short(); !why.empty()) return stream_error(why);
  return encoder_.end();
}

std::string anthropic_response_translator::stream_cut_short() const {
  return decoder_.ended() ? std::string() : std::string(api::openai_stream_unfinished);
}

std::string anthropic_response_translator::stream_error(std::string_view message) {
  return encoder_.encode(api::stream_event::make_error(api::api_error{502, std::string(message), "api_error", {}}));
}

}  // namespace sy
