#pragma once
// Anthropic's Messages API as an upstream (backend type "anthropic"): chat requests go out as
// POST <url>/messages with x-api-key and anthropic-version; answers and streams are decoded into
// canonical form. Only chat is supported: completions and embeddings are refused with a 400.
// "/messages" and "/messages/count_tokens" take an Anthropic body and pass it and the answer
// through (a client that speaks Anthropic's API itself).
#include "backends/openai_compat/openai_backend.h"

namespace sy::backends {

class anthropic_dialect : public upstream_dialect {
 public:
  static constexpr const char* api_version = "2023-06-01";

  std::variant<outbound, refusal> request(std::string_view path, std::string_view body) const override;
  std::variant<chat_outbound, refusal> chat(const api::chat_request& request, std::string_view model) const override;
  void add_headers(http::header_list& headers, const std::string& api_key) const override;
  // a relayed stream ends with message_stop (or an error event); a failure is Anthropic's own
  // `event: error` + {"type":"error","error":{"type":"api_error",...}}, which its SDKs raise
  bool relayed_payload_ends_stream(std::string_view payload) const override;
  std::string relayed_stream_error(std::string_view message) const override;
};

}  // namespace sy::backends
