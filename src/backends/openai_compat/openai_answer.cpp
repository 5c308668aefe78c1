#include "backends/openai_compat/openai_answer.h"

#include <chrono>

namespace sy::backends {

api::api_result<api::chat_response> openai_answer_decoder::parse(std::string_view body) {
  return api::parse_openai_response(body);
}

api::api_error openai_answer_decoder::parse_error(unsigned status, std::string_view body) {
  return api::parse_openai_error(status, body);
}

std::string openai_answer_encoder::event(api::stream_event& e) {
  if (!encoder_) {
    auto created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    const bool start = e.kind == api::stream_event_kind::start;
    encoder_.emplace(start && !e.id.empty() ? e.id : "chatcmpl-switchyard", created.count(), start ? e.model : "",
                     true);
  }
  return encoder_->encode(e);
}

std::variant<upstream_dialect::chat_outbound, upstream_dialect::refusal> openai_chat(const api::chat_request& request,
                                                                                     std::string_view model) {
  using refusal = upstream_dialect::refusal;
  if (auto refused = api::refuse_untranslated(request)) return refusal{refused->status, refused->message};
  auto written = api::write_openai_request(request, {.model = model});
  if (auto* err = std::get_if<api::api_error>(&written)) return refusal{err->status, err->message};
  return upstream_dialect::chat_outbound{"/chat/completions", std::move(std::get<std::string>(written)),
                                         std::make_unique<openai_answer_decoder>()};
}

}  // namespace sy::backends
