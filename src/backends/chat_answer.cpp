#include "backends/chat_answer.h"

#include "api/sse_data.h"
#include "backends/openai_compat/openai_answer.h"

namespace sy::backends {

chat_answer::chat_answer(std::unique_ptr<answer_decoder> from, std::unique_ptr<answer_encoder> to)
    : from_(std::move(from)), to_(std::move(to)) {}

chat_answer chat_answer::from_openai(std::unique_ptr<answer_encoder> to) {
  return chat_answer(std::make_unique<openai_answer_decoder>(), std::move(to));
}

std::string chat_answer::body(unsigned status, std::string_view upstream_body) {
  if (status < 200 || status >= 300) return to_->error(from_->parse_error(status, upstream_body));
  auto parsed = from_->parse(upstream_body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) {
    unreadable_ = err->message;
    return to_->error(*err);
  }
  auto& response = std::get<api::chat_response>(parsed);
  usage_.merge(response.usage);
  return to_->body(response);
}

std::string chat_answer::encode(api::stream_event& e) {
  switch (e.kind) {
    case api::stream_event_kind::text:
    case api::stream_event_kind::reasoning: ++content_events_; break;
    case api::stream_event_kind::start:
    case api::stream_event_kind::usage: usage_.merge(e.usage); break;
    case api::stream_event_kind::error: failed_ = true; break;
    default: break;
  }
  return to_->event(e);
}

std::string chat_answer::stream_events(std::string_view events) {
  std::string out;
  auto take = [&](std::string_view payload) {
    if (failed_) return;
    for (auto& e : from_->decode(payload)) {
      out += encode(e);
      if (failed_) return;
    }
  };
  if (from_->stream_framing() == answer_decoder::framing::sse) {
    api::for_each_sse_data(events, take);  // "event:" lines are not needed: each payload says what it is
    return out;
  }
  api::for_each_line(events, [&](std::string_view line) {  // whole NDJSON lines
    if (!line.empty()) take(line);
  });
  return out;
}

std::string chat_answer::stream_end() {
  if (auto why = stream_cut_short(); !why.empty()) return stream_error(why);
  if (failed_) return {};
  return to_->end();
}

std::string chat_answer::stream_cut_short() const {
  // (after an error event too: the stream failed, and is recorded so; nothing more goes out)
  return from_->complete() ? std::string() : std::string(from_->unfinished());
}

std::string chat_answer::stream_error(std::string_view message) {
  if (failed_) return {};
  auto e = api::stream_event::make_error(api::api_error{502, std::string(message), "api_error", {}});
  return encode(e);
}

void chat_answer::tally(forward_outcome& out) const {
  if (usage_.input_tokens) out.prompt_tokens = *usage_.input_tokens;
  if (usage_.output_tokens) out.completion_tokens = *usage_.output_tokens;
  if (usage_.cached_input_tokens) out.cached_tokens = *usage_.cached_input_tokens;
  out.stream_chunks = content_events_;
}

}  // namespace sy::backends
