#include "backends/anthropic/anthropic_dialect.h"

#include <chrono>

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"
#include "api/sse_data.h"

namespace sy::backends {

namespace {

// Anthropic's answer as OpenAI's: a chat.completion, or the chunk sequence of a stream.
class anthropic_to_openai : public response_translator {
 public:
  std::string body(unsigned status, std::string_view upstream_body) override {
    if (status < 200 || status >= 300)
      return api::write_openai_error(api::parse_anthropic_error(status, upstream_body));
    auto parsed = api::parse_anthropic_response(upstream_body);
    if (auto* err = std::get_if<api::api_error>(&parsed)) return api::write_openai_error(*err);
    return api::write_openai_response(std::get<api::chat_response>(parsed));
  }
  std::string stream_events(std::string_view events) override {
    std::string out;
    // "event:" lines are not needed: each payload names its type
    api::for_each_sse_data(events, [&](std::string_view payload) {
      for (const auto& e : decoder_.decode(payload)) {
        if (e.kind == api::stream_event_kind::start && !encoder_) start(e);
        if (!encoder_) start(api::stream_event::make_start("", ""));
        out += encoder_->encode(e);
      }
    });
    return out;
  }
  std::string stream_end() override { return encoder_ ? encoder_->end() : std::string(); }
  std::string stream_error(std::string_view message) override {
    if (!encoder_) start(api::stream_event::make_start("", ""));
    return encoder_->encode(api::stream_event::make_error(api::api_error{502, std::string(message), "api_error", {}}));
  }

 private:
  void start(const api::stream_event& e) {
    auto created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    // usage always goes out: the gateway records it; OpenAI clients that did not ask ignore a
    // chunk with empty choices
    encoder_.emplace(e.id.empty() ? "chatcmpl-switchyard" : e.id, created.count(), e.model, true);
  }
  api::anthropic_stream_decoder decoder_;
  std::optional<api::openai_stream_encoder> encoder_;
};

}  // namespace

std::variant<upstream_dialect::outbound, std::pair<unsigned, std::string>> anthropic_dialect::request(
    std::string_view path, std::string_view body) const {
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

void anthropic_dialect::add_headers(http::header_list& headers, const std::string& api_key) const {
  if (!api_key.empty()) headers.emplace_back("x-api-key", api_key);
  headers.emplace_back("anthropic-version", api_version);
}

}  // namespace sy::backends
