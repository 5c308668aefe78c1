#include "backends/anthropic/anthropic_dialect.h"

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"
#include "api/stream_end.h"
#include "backends/chat_answer.h"

namespace sy::backends {

namespace {

// Anthropic's answers in canonical form.
class anthropic_answer_decoder final : public answer_decoder {
  api::api_result<api::chat_response> parse(std::string_view body) override {
    return api::parse_anthropic_response(body);
  }
  api::api_error parse_error(unsigned status, std::string_view body) override {
    return api::parse_anthropic_error(status, body);
  }
  std::vector<api::stream_event> decode(std::string_view payload) override { return decoder_.decode(payload); }
  bool complete() const override { return decoder_.done(); }

  api::anthropic_stream_decoder decoder_;
};

}  // namespace

std::variant<upstream_dialect::outbound, upstream_dialect::refusal> anthropic_dialect::request(
    std::string_view path, std::string_view body) const {
  // already in Anthropic's words (the gateway's same-API path and count_tokens); the answer too
  if (path == "/messages" || path == "/messages/count_tokens")
    return outbound{std::string(path), std::string(body), nullptr};
  return refusal{
      400, "this backend speaks Anthropic's Messages API: only chat requests can go to it, not " + std::string(path)};
}

std::variant<upstream_dialect::chat_outbound, upstream_dialect::refusal> anthropic_dialect::chat(
    const api::chat_request& request, std::string_view model) const {
  if (auto refused = api::refuse_untranslated(request)) return refusal{refused->status, refused->message};
  auto written = api::write_anthropic_request(request, {.model = model});
  if (auto* err = std::get_if<api::api_error>(&written)) return refusal{err->status, err->message};
  return chat_outbound{"/messages", std::move(std::get<std::string>(written)),
                       std::make_unique<anthropic_answer_decoder>()};
}

bool anthropic_dialect::relayed_payload_ends_stream(std::string_view payload) const {
  return api::anthropic_payload_ends_stream(payload);
}

std::string anthropic_dialect::relayed_stream_error(std::string_view message) const {
  return "event: error\ndata: " +
         api::write_anthropic_error(api::api_error{502, std::string(message), "api_error", {}}) + "\n\n";
}

void anthropic_dialect::add_headers(http::header_list& headers, const std::string& api_key) const {
  if (!api_key.empty()) headers.emplace_back("x-api-key", api_key);
  headers.emplace_back("anthropic-version", api_version);
}

}  // namespace sy::backends
