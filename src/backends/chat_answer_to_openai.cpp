#include "backends/chat_answer_to_openai.h"

#include <chrono>

#include "api/sse_data.h"

namespace sy::backends {

std::string chat_answer_to_openai::body(unsigned status, std::string_view upstream_body) {
  if (status < 200 || status >= 300) return api::write_openai_error(parse_error(status, upstream_body));
  auto parsed = parse(upstream_body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return api::write_openai_error(*err);
  return api::write_openai_response(std::get<api::chat_response>(parsed));
}

std::string chat_answer_to_openai::encode(const api::stream_event& e) {
  if (!encoder_) {
    auto created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    // usage always goes out: the gateway records it; OpenAI clients that did not ask ignore a
    // chunk with empty choices
    const bool start = e.kind == api::stream_event_kind::start;
    encoder_.emplace(start && !e.id.empty() ? e.id : "chatcmpl-switchyard", created.count(), start ? e.model : "",
                     true);
  }
  if (e.kind == api::stream_event_kind::error) failed_ = true;
  return encoder_->encode(e);
}

std::string chat_answer_to_openai::stream_events(std::string_view events) {
  std::string out;
  auto take = [&](std::string_view payload) {
    if (failed_) return;
    for (const auto& e : decode(payload)) out += encode(e);
  };
  if (framing_ == framing::sse) {
    api::for_each_sse_data(events, take);  // "event:" lines are not needed: each payload says what it is
    return out;
  }
  api::for_each_line(events, [&](std::string_view line) {  // whole NDJSON lines
    if (!line.empty()) take(line);
  });
  return out;
}

std::string chat_answer_to_openai::stream_end() {
  if (auto why = stream_cut_short(); !why.empty()) return stream_error(why);
  if (failed_) return {};
  return encoder_ ? encoder_->end() : std::string();
}

std::string chat_answer_to_openai::stream_cut_short() const {
  return failed_ || complete() ? std::string() : "the upstream's stream ended before its last event";
}

std::string chat_answer_to_openai::stream_error(std::string_view message) {
  if (failed_) return {};
  return encode(api::stream_event::make_error(api::api_error{502, std::string(message), "api_error", {}}));
}

}  // namespace sy::backends
