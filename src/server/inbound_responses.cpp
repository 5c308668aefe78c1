#include "server/inbound_responses.h"

#include <chrono>
#include <random>

#include <fmt/format.h>

#include "api/sse_data.h"

namespace sy {

namespace {

// A fresh id for answers whose upstream sent none (16 hex digits).
std::string random_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

api::responses_meta make_meta(std::string model, api::responses_echo echo) {
  api::responses_meta m;
  m.fallback_id = random_id();
  m.created_at =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  m.model = std::move(model);
  m.echo = std::move(echo);
  return m;
}

}  // namespace

std::variant<translated_responses_request, api::api_error> responses_to_openai(std::string_view body) {
  translated_responses_request t;
  auto parsed = api::parse_responses_request(body, {}, &t.echo);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return *err;
  auto& request = std::get<api::chat_request>(parsed);
  if (!request.untranslated.empty()) {
    api::api_error e{400, "not supported by this gateway's /v1/responses (it is stateless and translates to chat): ",
                     "invalid_request_error", request.untranslated.front()};
    for (std::size_t i = 0; i < request.untranslated.size(); ++i)
      e.message += (i ? ", " : "") + request.untranslated[i];
    return e;
  }
  auto written = api::write_openai_request(request);
  if (auto* err = std::get_if<api::api_error>(&written)) return *err;
  t.openai_body = std::move(std::get<std::string>(written));
  t.model = request.model;
  t.request = std::move(request);
  return t;
}

responses_response_translator::responses_response_translator(std::string model, api::responses_echo echo)
    : meta_(make_meta(std::move(model), std::move(echo))), encoder_(meta_) {}

std::string responses_response_translator::body(unsigned status, std::string_view upstream_body) {
  if (status < 200 || status >= 300) return api::write_openai_error(api::parse_openai_error(status, upstream_body));
  auto parsed = api::parse_openai_response(upstream_body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return api::write_openai_error(*err);
  return api::write_responses_response(std::get<api::chat_response>(parsed), meta_);
}

std::string responses_response_translator::stream_events(std::string_view events) {
  // whole SSE events: each "data: <payload>" line is one OpenAI chunk (or [DONE])
  std::string out;
  api::for_each_sse_data(events, [&](std::string_view payload) {
    for (const auto& e : decoder_.decode(payload)) out += encoder_.encode(e);
  });
  return out;
}

std::string responses_response_translator::stream_end() {
  // the HTTP body ended cleanly, the stream did not: never a fabricated end
  if (auto why = stream_cut_short(); !why.empty()) return stream_error(why);
  return encoder_.end();
}

std::string responses_response_translator::stream_cut_short() const {
  return decoder_.ended() ? std::string() : std::string(api::openai_stream_unfinished);
}

std::string responses_response_translator::stream_error(std::string_view message) {
  return encoder_.encode(api::stream_event::make_error(api::api_error{502, std::string(message), "api_error", {}}));
}

}  // namespace sy
