#pragma once
// Google's Gemini API as an upstream (backend type "gemini", default URL
// https://generativelanguage.googleapis.com/v1beta): chat requests go out as
// POST <url>/models/<model>:generateContent (streams: :streamGenerateContent?alt=sse),
// embeddings as :batchEmbedContents, the model list is GET <url>/models. The key travels in the
// x-goog-api-key header, never in the URL (URLs end up in logs). Completions are refused with a
// 400.
#include "backends/openai_compat/openai_backend.h"

namespace sy::backends {

class gemini_dialect : public upstream_dialect {
 public:
  std::variant<outbound, refusal> request(std::string_view path, std::string_view body) const override;
  std::variant<chat_outbound, refusal> chat(const api::chat_request& request, std::string_view model) const override;
  void add_headers(http::header_list& headers, const std::string& api_key) const override;
  std::string models_path() const override;
  // Capabilities from each model's supportedGenerationMethods, inputTokenLimit and thinking.
  std::variant<model_listing, std::string> parse_models(std::string_view body) const override;
};

}  // namespace sy::backends
