#include "server/inbound_responses.h"

#include <chrono>
#include <random>

#include <fmt/format.h>

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

std::variant<decoded_responses_chat, api::api_error> read_responses_chat(std::string_view body) {
  decoded_responses_chat t;
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
  t.chat.model = request.model;
  t.chat.request = std::move(request);
  return t;
}

responses_answer_encoder::responses_answer_encoder(std::string model, api::responses_echo echo)
    : meta_(make_meta(std::move(model), std::move(echo))), encoder_(meta_) {}

std::string responses_answer_encoder::body(api::chat_response& response) {
  return api::write_responses_response(response, meta_);
}

std::string responses_answer_encoder::error(const api::api_error& error) {
  return api::write_openai_error(error);
}

}  // namespace sy
