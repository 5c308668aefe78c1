#pragma once
// Switchyard as an Ollama server (/api/chat, /api/generate, /api/embed, /api/embeddings,
// /api/tags, /api/show, /api/ps, /api/version), so Ollama clients (Open WebUI, ollama-js, ...)
// work unchanged when pointed at it. Chat and generate requests are translated into OpenAI chat
// requests and routed like any other; answers come back as Ollama JSON or NDJSON streams.
//
// Threading: a translator belongs to one send on one worker.
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "api/ollama_api.h"
#include "api/openai_chat.h"
#include "backends/openai_compat/openai_backend.h"
#include "server/inbound_anthropic.h"

namespace sy {

// /api/chat or /api/generate as an OpenAI chat request; a 400 naming what cannot be translated.
std::variant<translated_request, api::api_error> ollama_to_openai(std::string_view body, api::ollama_endpoint endpoint);
// The answer to a request without messages (Ollama's way to load a model): done, "load".
std::string ollama_load_response(std::string_view model, api::ollama_endpoint endpoint);
// /api/embed (or the legacy /api/embeddings) as an OpenAI embeddings request.
std::variant<translated_request, api::api_error> ollama_embed_to_openai(std::string_view body, bool legacy);

// exchange::error_format for Ollama clients: {"error": "..."}.
std::string ollama_error_format(unsigned status, std::string_view message, std::string_view type,
                                std::string_view code);

// The OpenAI answer as Ollama's: one JSON object, or NDJSON lines as the stream goes.
class ollama_response_translator : public backends::response_translator {
 public:
  ollama_response_translator(std::string model, api::ollama_endpoint endpoint);
  std::string body(unsigned status, std::string_view upstream_body) override;
  std::string stream_events(std::string_view events) override;
  std::string stream_end() override;
  std::string stream_error(std::string_view message) override;
  std::string stream_cut_short() const override;  // no [DONE] and no finish reason came
  std::string_view stream_content_type() const override { return "application/x-ndjson"; }

 private:
  std::string model_;
  api::ollama_endpoint endpoint_;
  std::int64_t started_ns_;
  api::openai_stream_decoder decoder_;
  api::ollama_stream_encoder encoder_;
};

// OpenAI's embeddings answer as /api/embed's ({model, embeddings}) or /api/embeddings' ({embedding}).
class ollama_embed_translator : public backends::response_translator {
 public:
  ollama_embed_translator(std::string model, bool legacy) : model_(std::move(model)), legacy_(legacy) {}
  std::string body(unsigned status, std::string_view upstream_body) override;
  std::string stream_events(std::string_view events) override { return std::string(events); }
  std::string stream_end() override { return {}; }
  std::string stream_error(std::string_view message) override;

 private:
  std::string model_;
  bool legacy_;
};

}  // namespace sy
