#include "backends/ollama/ollama_dialect.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>

#include "api/ollama_api.h"
#include "api/ollama_paths.h"
#include "api/openai_chat.h"
#include "api/stream_end.h"
#include "backends/chat_answer.h"
#include "backends/openai_compat/openai_answer.h"

namespace sy::backends {

namespace {

using refusal = std::pair<unsigned, std::string>;

// An OpenAI error event, for what cannot go through a stream encoder.
std::string error_event(std::string_view message) {
  return "data: " + api::write_openai_error(api::api_error{502, std::string(message), "api_error", {}}) + "\n\n";
}

// Ollama's chat answers in canonical form: a reply, an {"error"} body, or NDJSON lines. Ollama
// sends no ids: `id` names the completion.
class ollama_answer_decoder final : public answer_decoder {
 public:
  explicit ollama_answer_decoder(std::string id) : id_(std::move(id)) {}
  framing stream_framing() const override { return framing::ndjson; }

  api::api_result<api::chat_response> parse(std::string_view body) override {
    auto parsed = api::parse_ollama_response(body);
    if (auto* r = std::get_if<api::chat_response>(&parsed)) {
      r->id = id_;
      if (r->created == 0) r->created = now_seconds();
    }
    return parsed;
  }
  api::api_error parse_error(unsigned status, std::string_view body) override {
    return api::parse_ollama_error(status, body);
  }
  std::vector<api::stream_event> decode(std::string_view line) override {
    auto events = decoder_.decode(line);
    for (auto& e : events)
      if (e.kind == api::stream_event_kind::start) e.id = id_;
    return events;
  }
  bool complete() const override { return decoder_.done(); }

 private:
  static std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::string id_;
  api::ollama_stream_decoder decoder_;
};

// Ollama's /api/embed answer as OpenAI's embeddings list (vectors in base64 when the client asked
// for that). Embeddings are never streamed.
class ollama_embed_to_openai : public response_translator {
 public:
  explicit ollama_embed_to_openai(bool base64) : base64_(base64) {}
  std::string body(unsigned status, std::string_view upstream_body) override {
    if (status < 200 || status >= 300) return api::write_openai_error(api::parse_ollama_error(status, upstream_body));
    auto converted = api::ollama_embed_to_openai_embeddings(upstream_body, {}, base64_);
    if (auto* err = std::get_if<api::api_error>(&converted)) return api::write_openai_error(*err);
    return std::move(std::get<std::string>(converted));
  }
  std::string stream_events(std::string_view) override { return {}; }
  std::string stream_end() override { return error_event("an embeddings answer came as a stream"); }
  std::string stream_error(std::string_view message) override { return error_event(message); }

 private:
  bool base64_;
};

// "chatcmpl-" + 24 hex digits: Ollama's answers carry no id.
std::string new_completion_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  std::snprintf(buf, sizeof buf, "chatcmpl-%016llx%08llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng() & 0xffffffffu));
  return buf;
}

}  // namespace

std::unique_ptr<response_translator> make_ollama_chat_translator(std::string id) {
  return std::make_unique<chat_answer>(std::make_unique<ollama_answer_decoder>(std::move(id)),
                                       std::make_unique<openai_answer_encoder>());
}

std::unique_ptr<response_translator> make_ollama_embed_translator(bool base64) {
  return std::make_unique<ollama_embed_to_openai>(base64);
}

std::variant<upstream_dialect::outbound, refusal> ollama_dialect::request(std::string_view path,
                                                                          std::string_view body) const {
  // already in Ollama's words (an Ollama client, relayed by the gateway); the answer too
  if (api::is_ollama_inference_path(path)) return outbound{std::string(path), std::string(body), nullptr};
  if (path == "/embeddings") {
    bool base64 = false;
    auto written = api::openai_embeddings_request_to_ollama(body, {}, &base64);
    if (auto* err = std::get_if<api::api_error>(&written)) return refusal{err->status, err->message};
    return outbound{std::string(api::ollama_embed_path), std::move(std::get<std::string>(written)),
                    make_ollama_embed_translator(base64)};
  }
  if (path == "/completions")
    return refusal{400,
                   "this backend speaks Ollama's native API: text completions (/v1/completions) are not supported, "
                   "use /v1/chat/completions"};
  return refusal{
      400, "this backend speaks Ollama's native API: it takes chat and embeddings requests, not " + std::string(path)};
}

std::variant<upstream_dialect::chat_outbound, refusal> ollama_dialect::chat(const api::chat_request& request,
                                                                            std::string_view model) const {
  if (auto refused = api::refuse_untranslated(request)) return refusal{refused->status, refused->message};
  auto written = api::write_ollama_chat_request(request, model);  // keeps `stream`
  if (auto* err = std::get_if<api::api_error>(&written)) return refusal{err->status, err->message};
  return chat_outbound{std::string(api::ollama_chat_path), std::move(std::get<std::string>(written)),
                       std::make_unique<ollama_answer_decoder>(new_completion_id())};
}

void ollama_dialect::add_headers(http::header_list& headers, const std::string& api_key) const {
  if (!api_key.empty()) headers.emplace_back("authorization", "Bearer " + api_key);
}

std::optional<upstream_dialect::details_request> ollama_dialect::model_details(std::string_view model) const {
  return details_request{std::string(api::ollama_show_path),
                         boost::json::serialize(boost::json::object{{"model", model}})};
}

std::optional<model_capabilities> ollama_dialect::parse_model_details(std::string_view body) const {
  auto parsed = api::parse_ollama_show(body);
  auto* info = std::get_if<api::ollama_show_info>(&parsed);
  if (!info) return std::nullopt;
  model_capabilities caps;
  caps.context_length = info->context_length;
  if (!info->capabilities.empty()) {  // older Ollama versions do not say: unknown then
    auto has = [&](std::string_view c) {
      return std::find(info->capabilities.begin(), info->capabilities.end(), c) != info->capabilities.end();
    };
    caps.chat = has("completion");
    caps.tools = has("tools");
    caps.vision = has("vision");
    caps.embeddings = has("embedding");
    caps.reasoning = has("thinking");
  }
  return caps;
}

std::variant<model_listing, std::string> ollama_dialect::parse_models(std::string_view body) const {
  auto parsed = api::parse_ollama_tags(body);
  if (auto* err = std::get_if<api::api_error>(&parsed)) return err->message;
  model_listing out;
  for (auto& m : std::get<std::vector<api::ollama_model_entry>>(parsed)) out.ids.push_back(std::move(m.name));
  return out;
}

bool ollama_dialect::relayed_payload_ends_stream(std::string_view line) const {
  return api::ollama_line_ends_stream(line);
}

std::string ollama_dialect::relayed_stream_error(std::string_view message) const {
  return api::write_ollama_error(api::api_error{502, std::string(message), {}, {}}) + "\n";
}

}  // namespace sy::backends
