#include "backends/gemini/gemini_dialect.h"

#include <algorithm>

#include "api/gemini_api.h"
#include "api/openai_chat.h"
#include "backends/chat_answer.h"

namespace sy::backends {

namespace {

using refusal = std::pair<unsigned, std::string>;

// Gemini's answers in canonical form.
class gemini_answer_decoder final : public answer_decoder {
  api::api_result<api::chat_response> parse(std::string_view body) override { return api::parse_gemini_response(body); }
  api::api_error parse_error(unsigned status, std::string_view body) override {
    return api::parse_gemini_error(status, body);
  }
  std::vector<api::stream_event> decode(std::string_view payload) override { return decoder_.decode(payload); }
  bool complete() const override { return decoder_.done(); }

  api::gemini_stream_decoder decoder_;
};

// batchEmbedContents' answer as an OpenAI embeddings list (never streamed).
class gemini_embeddings_to_openai : public response_translator {
 public:
  gemini_embeddings_to_openai(std::string model, bool base64) : model_(std::move(model)), base64_(base64) {}
  std::string body(unsigned status, std::string_view upstream_body) override {
    if (status < 200 || status >= 300) return api::write_openai_error(api::parse_gemini_error(status, upstream_body));
    auto converted = api::gemini_embeddings_to_openai(upstream_body, model_, base64_);
    if (auto* err = std::get_if<api::api_error>(&converted)) return api::write_openai_error(*err);
    return std::get<std::string>(std::move(converted));
  }
  std::string stream_events(std::string_view) override { return {}; }
  std::string stream_end() override { return {}; }
  std::string stream_error(std::string_view) override { return {}; }

 private:
  std::string model_;
  bool base64_;
};

std::variant<upstream_dialect::outbound, refusal> embeddings_request(std::string_view body) {
  auto converted = api::openai_embeddings_request_to_gemini(body);
  if (auto* err = std::get_if<api::api_error>(&converted)) return refusal{err->status, err->message};
  auto& r = std::get<api::gemini_embed_request>(converted);
  auto path = api::gemini_method_path(r.model, "batchEmbedContents");
  if (auto* err = std::get_if<api::api_error>(&path)) return refusal{err->status, err->message};
  auto model = r.model.substr(r.model.find('/') + 1);
  return upstream_dialect::outbound{std::get<std::string>(std::move(path)), std::move(r.body),
                                    std::make_unique<gemini_embeddings_to_openai>(std::move(model), r.base64)};
}

}  // namespace

std::variant<upstream_dialect::outbound, refusal> gemini_dialect::request(std::string_view path,
                                                                          std::string_view body) const {
  if (path == "/embeddings") return embeddings_request(body);
  return refusal{400, "this backend speaks Google's Gemini API: only chat and embeddings requests can go to it, not " +
                          std::string(path)};
}

std::variant<upstream_dialect::chat_outbound, refusal> gemini_dialect::chat(const api::chat_request& request,
                                                                            std::string_view model) const {
  if (auto refused = api::refuse_untranslated(request)) return refusal{refused->status, refused->message};
  auto path = api::gemini_method_path(model.empty() ? std::string_view(request.model) : model,
                                      request.stream ? "streamGenerateContent?alt=sse" : "generateContent");
  if (auto* err = std::get_if<api::api_error>(&path)) return refusal{err->status, err->message};
  auto written = api::write_gemini_request(request);
  if (auto* err = std::get_if<api::api_error>(&written)) return refusal{err->status, err->message};
  return chat_outbound{std::get<std::string>(std::move(path)), std::get<std::string>(std::move(written)),
                       std::make_unique<gemini_answer_decoder>()};
}

void gemini_dialect::add_headers(http::header_list& headers, const std::string& api_key) const {
  if (!api_key.empty()) headers.emplace_back("x-goog-api-key", api_key);
}

std::string gemini_dialect::models_path() const {
  return "/models?pageSize=1000";  // the most one page holds; Gemini lists far fewer
}

std::variant<model_listing, std::string> gemini_dialect::parse_models(std::string_view body) const {
  auto page = api::parse_gemini_models(body);
  if (auto* err = std::get_if<api::api_error>(&page)) return err->message;
  model_listing out;
  for (auto& m : std::get<api::gemini_model_page>(page).models) {
    auto has = [&](std::string_view method) {
      return std::find(m.methods.begin(), m.methods.end(), method) != m.methods.end();
    };
    model_capabilities caps;
    caps.context_length = m.input_token_limit;
    caps.reasoning = m.thinking;
    if (!m.methods.empty()) {
      caps.chat = has("generateContent");
      caps.embeddings = has("embedContent");
    }
    out.ids.push_back(m.name);
    if (caps.known()) out.capabilities[m.name] = caps;
  }
  return out;
}

}  // namespace sy::backends
