#include "backends/anthropic/anthropic_dialect.h"

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"
#include "api/stream_end.h"
#include "backends/chat_answer_to_openai.h"

namespace sy::backends {

namespace {

// Anthropic's answer as OpenAI's: a chat.completion, or the chunk sequence of a stream.
class anthropic_to_openai : public chat_answer_to_openai {
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

std::variant<upstream_dialect::outbound, std::pair<unsigned, std::string>> anthropic_dialect::request(
    std::string_view path, std::string_view body) const {
  // already in Anthropic's words (the gateway's same-API path and count_tokens); the answer too
  if (path == "/messages" || path == "/messages/count_tokens")
    return outbound{std::string(path), std::string(body), nullptr};
  if (path != "/chat/completions")
    return std::pair<unsigned, std::string>{
        400, "this backend speaks Anthropic's Messages API: only chat requests can go to it, not " + std::string(path)};
  auto parsed = api::parse_openai_request(body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return std::pair{err->status, err->message};
  auto& request = std::get<api::chat_request>(parsed);
  if (auto refused = api::refuse_untranslated(request)) return std::pair{refused->status, refused->message};
  auto written = api::write_anthropic_request(request);
  if (auto* err = std::get_if<api::api_error>(&written)) return std::pair{err->status, err->message};
  return outbound{"/messages", std::move(std::get<std::string>(written)), std::make_unique<anthropic_to_openai>()};
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
