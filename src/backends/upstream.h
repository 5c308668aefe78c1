#pragma once
// Where a target's requests go: every kind of upstream — a remote API (openai_backend, with the
// dialect of its wire) or this machine's engines (local_backend), and next the mesh's peers —
// takes one attempt the same way, so the gateway's failover loop never names a kind.
//
// Threading: an upstream is shared by every worker; send() runs on the calling worker with that
// worker's pool.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "backends/answer_codec.h"
#include "core/config.h"
#include "http/server.h"
#include "http/upstream_client.h"
#include "http/upstream_pool.h"

namespace sy::api {
struct chat_request;
}

namespace sy::backends {

struct forward_outcome {
  unsigned status = 0;  // what the client got (0: nothing could be sent)
  http::upstream_failure failure = http::upstream_failure::none;
  std::string error;  // set when the backend failed; names the backend
  std::uint64_t response_bytes = 0;
  std::int64_t prompt_tokens = -1;  // from the usage block when the upstream sent one
  std::int64_t completion_tokens = -1;
  std::chrono::steady_clock::time_point first_byte{};
  // With hold_failures: the request failed before anything reached the client, and nothing was
  // sent; another target may take it (status and error say what happened here).
  bool held = false;
  bool context_overflow = false;    // held: the prompt does not fit this target's context
  std::string retry_after;          // the upstream's Retry-After, when it sent one
  std::int64_t cached_tokens = -1;  // prompt tokens served from the upstream's cache, when reported
  std::int64_t stream_chunks = 0;   // content events relayed (a stream cut short: what it produced)
  bool complete = true;             // false: the response was cut short (stream failed, client gone)
};

// Turns an OpenAI-format answer into the client's own API (Anthropic, Ollama, ...). One per
// send, used on the calling worker only.
class response_translator {
 public:
  virtual ~response_translator() = default;
  // A whole reply (2xx or an upstream error passed through): the body for the client.
  virtual std::string body(unsigned status, std::string_view upstream_body) = 0;
  // Streams: whole upstream SSE events (or whole NDJSON lines, from an upstream that streams
  // application/x-ndjson) in, bytes for the client out; then the end of a stream that ended
  // cleanly at the HTTP level (which may still be an error when the stream's own last event
  // never came), or the last words of one that failed.
  virtual std::string stream_events(std::string_view events) = 0;
  virtual std::string stream_end() = 0;
  virtual std::string stream_error(std::string_view message) = 0;
  // Why a stream whose body ended cleanly is still cut short (its own last event never came);
  // "" when it ended, or when the client already got an error. The backend then ends it with
  // stream_error() instead of stream_end(), and records it as failed.
  virtual std::string stream_cut_short() const { return {}; }
  virtual std::string_view stream_content_type() const { return "text/event-stream"; }
  // A translator that reads the answer in canonical form counts its usage and content events
  // itself (tally() fills them in); the others leave it to the backend.
  virtual bool counts_usage() const { return false; }
  virtual void tally(forward_outcome&) const {}
  // After body(): why a 2xx reply could not be read (the backend answers 502 instead).
  virtual std::optional<std::string> unreadable() const { return std::nullopt; }
};

// What one send carries to an upstream: the body of a request for `path` in the upstream's API,
// or OpenAI's (the model already rewritten; relayed, or rewritten by the dialect), or a chat
// request in canonical form, encoded for the upstream's wire, whose answer goes to the client
// through `client` (and `request` outlives the send).
struct relayed_request {
  std::string path;
  std::string body;
};
struct canonical_chat {
  const api::chat_request* request = nullptr;
  std::string model;  // the upstream's name for it
  std::unique_ptr<answer_encoder> client;
};
using upstream_send = std::variant<relayed_request, canonical_chat>;

struct forward_options {
  // Failures before the first byte (unreachable, timeout, 5xx, 429, refused credentials) are
  // returned as held instead of answered: the caller fails over to another target.
  bool hold_failures = false;
  // Also hold an upstream 400 that says the prompt exceeds the model's context (a fallback with
  // a longer context may take it).
  bool hold_context_overflow = false;
  http::exchange_timeouts timeouts;  // per-route deadlines; zero: the upstream: defaults
  // For a relayed_request: the answer in the client's API (from OpenAI's); null: as it came.
  response_translator* translate = nullptr;
};

class upstream {
 public:
  virtual ~upstream() = default;
  // Sends one attempt (see upstream_send) for `model` (the upstream's own name for it; `model_id`
  // is the gateway's, for headers and errors) and relays the answer to the client. Never throws.
  virtual http::net::awaitable<forward_outcome> send(const config& cfg, http::exchange& ex, http::upstream_pool& pool,
                                                     upstream_send what, std::string_view model,
                                                     std::string_view model_id, forward_options opt) = 0;
};

}  // namespace sy::backends
