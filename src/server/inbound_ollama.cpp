#include "server/inbound_ollama.h"

#include <chrono>

#include <boost/json.hpp>

#include "api/sse_data.h"
#include "core/rfc3339.h"

namespace sy {

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::variant<decoded_chat, api::api_error> read_ollama_chat(std::string_view body, api::ollama_endpoint endpoint) {
  auto parsed = endpoint == api::ollama_endpoint::chat ? api::parse_ollama_chat_request(body)
                                                       : api::parse_ollama_generate_request(body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return *err;
  decoded_chat out;
  out.request = std::move(std::get<api::chat_request>(parsed));
  out.model = out.request.model;
  out.no_messages = out.request.messages.empty();
  out.untranslatable = api::refuse_untranslated(out.request);
  out.request.stream_usage = out.request.stream;  // the last line carries the counts
  return out;
}

std::string ollama_load_response(std::string_view model, api::ollama_endpoint endpoint) {
  boost::json::object o{
      {"model", model}, {"created_at", format_rfc3339(now_ns())}, {"done", true}, {"done_reason", "load"}};
  if (endpoint == api::ollama_endpoint::chat)
    o["message"] = boost::json::object{{"role", "assistant"}, {"content", ""}};
  else
    o["response"] = "";
  return boost::json::serialize(o);
}

std::variant<openai_embeddings_request, api::api_error> ollama_embed_to_openai(std::string_view body, bool legacy) {
  auto written = legacy ? api::ollama_embeddings_request_to_openai(body) : api::ollama_embed_request_to_openai(body);
  if (auto* err = std::get_if<api::api_error>(&written)) return *err;
  auto model = api::parse_ollama_model_name(body);
  return openai_embeddings_request{std::move(std::get<std::string>(written)),
                                   std::holds_alternative<std::string>(model) ? std::get<std::string>(model) : ""};
}

std::string ollama_error_format(unsigned status, std::string_view message, std::string_view, std::string_view) {
  return api::write_ollama_error(api::api_error{status, std::string(message), {}, {}});
}

ollama_answer_encoder::ollama_answer_encoder(std::string model, api::ollama_endpoint endpoint)
    : model_(std::move(model)), endpoint_(endpoint), started_ns_(now_ns()), encoder_(model_, endpoint, started_ns_) {}

std::string ollama_answer_encoder::body(api::chat_response& response) {
  response.model = model_;
  api::ollama_timing timing;
  timing.created_at_ns = now_ns();
  timing.total_duration = *timing.created_at_ns - started_ns_;
  return endpoint_ == api::ollama_endpoint::chat ? api::write_ollama_chat_response(response, timing)
                                                 : api::write_ollama_generate_response(response, timing);
}

std::string ollama_answer_encoder::error(const api::api_error& error) {
  return api::write_ollama_error(error);
}

std::string ollama_answer_encoder::event(api::stream_event& e) {
  encoder_.set_time(now_ns());
  if (e.kind == api::stream_event_kind::start) e.model = model_;
  return encoder_.encode(e);
}

std::string ollama_answer_encoder::end() {
  encoder_.set_time(now_ns());
  api::ollama_timing timing;
  timing.total_duration = now_ns() - started_ns_;
  return encoder_.end(timing);
}

std::string ollama_embed_translator::body(unsigned status, std::string_view upstream_body) {
  if (status < 200 || status >= 300) return api::write_ollama_error(api::parse_openai_error(status, upstream_body));
  auto written = legacy_ ? api::openai_embeddings_to_ollama_embeddings(upstream_body)
                         : api::openai_embeddings_to_ollama_embed(upstream_body, model_);
  if (auto* err = std::get_if<api::api_error>(&written)) return api::write_ollama_error(*err);
  return std::get<std::string>(written);
}

std::string ollama_embed_translator::stream_error(std::string_view message) {
  return api::write_ollama_error(api::api_error{502, std::string(message), {}, {}});
}

}  // namespace sy
