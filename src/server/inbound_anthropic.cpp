#include "server/inbound_anthropic.h"

#include <fmt/format.h>

#include "api/sse_data.h"

namespace sy {

std::variant<translated_request, api::api_error> anthropic_to_openai(std::string_view body) {
  auto parsed = api::parse_anthropic_request(body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return *err;
  auto& request = std::get<api::chat_request>(parsed);
  if (auto refused = api::refuse_untranslated(request)) return *refused;
  request.stream_usage = request.stream;  // Anthropic streams always end with their usage
  auto written = api::write_openai_request(request);
  if (auto* err = std::get_if<api::api_error>(&written)) return *err;
  return translated_request{std::move(std::get<std::string>(written)), request.model, request.stream};
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
  return encoder_.end();
}

std::string anthropic_response_translator::stream_error(std::string_view message) {
  return encoder_.encode(api::stream_event::make_error(api::api_error{502, std::string(message), "api_error", {}}));
}

}  // namespace sy
