#pragma once
// Ollama's native API as an upstream (backend type "ollama"; the url is the server's root, e.g.
// http://127.0.0.1:11434): chat requests go out as POST /api/chat (answers and NDJSON streams,
// relayed line by line, decoded into canonical form), OpenAI embeddings requests as POST
// /api/embed (answers back as OpenAI's embeddings list with usage), and models are listed from
// GET /api/tags.
// Text completions are refused with a 400 (no OpenAI completions translation exists yet).
// "/api/chat", "/api/generate", "/api/embed" and "/api/embeddings" take an Ollama body and pass
// it and the answer through (an Ollama client, relayed as it is).
// A configured api_key goes out as `Authorization: Bearer` (Ollama behind an authenticating
// proxy, ollama.com); without one no credential is sent.
#include <cstdint>
#include <memory>
#include <string>

#include "api/ollama_paths.h"
#include "backends/openai_compat/openai_backend.h"

namespace sy::backends {

class ollama_dialect : public upstream_dialect {
 public:
  std::variant<outbound, refusal> request(std::string_view path, std::string_view body) const override;
  std::variant<chat_outbound, refusal> chat(const api::chat_request& request, std::string_view model) const override;
  void add_headers(http::header_list& headers, const std::string& api_key) const override;
  std::string models_path() const override { return std::string(api::ollama_tags_path); }
  std::variant<model_listing, std::string> parse_models(std::string_view body) const override;
  // POST /api/show per model: capabilities (completion, tools, vision, embedding, thinking) and
  // the context length.
  std::optional<details_request> model_details(std::string_view model) const override;
  std::optional<model_capabilities> parse_model_details(std::string_view body) const override;
  // a relayed stream ends with its done:true line (or an error line); a failure is Ollama's own
  // {"error":"..."} line
  bool relayed_payload_ends_stream(std::string_view line) const override;
  std::string relayed_stream_error(std::string_view message) const override;
};

// The translators of one answer (tests make them with a fixed id).
// Chat: an /api/chat reply or NDJSON stream -> OpenAI's (see chat_answer.h); `id` names
// the completion (Ollama sends none). done_reason "stop" after tool calls is "tool_calls"; the
// final line's prompt_eval_count / eval_count are the usage; an {"error":...} line ends the
// stream with that error, and a stream without its done:true line ends with an error too.
std::unique_ptr<response_translator> make_ollama_chat_translator(std::string id);
// Embed: an /api/embed reply -> OpenAI's embeddings list (with usage.prompt_tokens); `base64`:
// the vectors in OpenAI's base64 encoding (what the OpenAI SDKs ask for by default).
std::unique_ptr<response_translator> make_ollama_embed_translator(bool base64 = false);

}  // namespace sy::backends
