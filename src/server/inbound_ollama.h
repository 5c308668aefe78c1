#pragma once
// Switchyard as an Ollama server (/api/chat, /api/generate, /api/embed, /api/embeddings,
// /api/tags, /api/show, /api/ps, /api/version), so Ollama clients (Open WebUI, ollama-js, ...)
// work unchanged when pointed at it. Chat and generate requests are decoded into the canonical
// chat request and routed like any other (an Ollama target gets the client's own bytes); answers
// come back as Ollama JSON or NDJSON streams. Embeddings go through OpenAI's embeddings format.
//
// Threading: an encoder or translator belongs to one send on one worker.
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "api/ollama_api.h"
#include "api/openai_chat.h"
#include "backends/openai_compat/openai_backend.h"
#include "server/decoded_chat.h"

namespace sy {

// An Ollama embeddings request in OpenAI's words (embeddings have no canonical form).
struct openai_embeddings_request {
  std::string openai_body;
  std::string model;  // as the client named it
};

// /api/chat or /api/generate decoded (see decoded_chat); a 400 for a request that is not valid.
std::variant<decoded_chat, api::api_error> read_ollama_chat(std::string_view body, api::ollama_endpoint endpoint);
// The answer to a request without messages (Ollama's way to load a model): done, "load".
std::string ollama_load_response(std::string_view model, api::ollama_endpoint endpoint);
// /api/embed (or the legacy /api/embeddings) as an OpenAI embeddings request.
std::variant<openai_embeddings_request, api::api_error> ollama_embed_to_openai(std::string_view body, bool legacy);

// exchange::error_format for Ollama clients: {"error": "..."}.
std::string ollama_error_format(unsigned status, std::string_view message, std::string_view type,
                                std::string_view code);

// The answer as Ollama's: one JSON object, or NDJSON lines as the stream goes.
class ollama_answer_encoder : public backends::answer_encoder {
 public:
  ollama_answer_encoder(std::string model, api::ollama_endpoint endpoint);
  std::string body(api::chat_response& response) override;
  std::string error(const api::api_error& error) override;
  std::string event(api::stream_event& event) override;
  std::string end() override;
  std::string_view stream_content_type() const override { return "application/x-ndjson"; }

 private:
  std::string model_;
  api::ollama_endpoint endpoint_;
  std::int64_t started_ns_;
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
