#include "server/inbound_anthropic.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/sse_data.h"

namespace sy {

std::variant<decoded_chat, api::api_error> read_anthropic_chat(std::string_view body) {
  auto parsed = api::parse_anthropic_request(body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return *err;
  decoded_chat out;
  out.request = std::move(std::get<api::chat_request>(parsed));
  out.untranslatable = api::refuse_untranslated(out.request);
  out.request.stream_usage = out.request.stream;  // Anthropic streams always end with their usage
  out.model = out.request.model;
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
  out.counting_chat = std::move(request);
  return out;
}

std::string token_count_encoder::body(api::chat_response& response) {
  if (!response.usage.input_tokens)
    return error(api::api_error{502, "the engine did not report the prompt's tokens", {}, {}});
  return boost::json::serialize(boost::json::object{{"input_tokens", *response.usage.input_tokens}});
}

std::string token_count_encoder::error(const api::api_error& error) {
  return api::write_anthropic_error(error);
}

std::string anthropic_error_format(unsigned status, std::string_view message, std::string_view, std::string_view) {
  // Anthropic's own error types follow from the status; OpenAI's words (upstream_error, ...) do not fit
  return api::write_anthropic_error(api::api_error{status, std::string(message), {}, {}});
}

anthropic_answer_encoder::anthropic_answer_encoder(std::string model)
    : model_(std::move(model)), encoder_("", model_) {}

std::string anthropic_answer_encoder::body(api::chat_response& response) {
  response.model = model_;  // the name the client asked for
  return api::write_anthropic_response(response);
}

std::string anthropic_answer_encoder::error(const api::api_error& error) {
  return api::write_anthropic_error(error);
}

std::string anthropic_answer_encoder::event(api::stream_event& e) {
  if (e.kind == api::stream_event_kind::start) e.model = model_;
  return encoder_.encode(e);
}

}  // namespace sy
