#pragma once
// Relaying an upstream response body to the client as it arrives (streams, large or unsized
// bodies). Backpressure: the next upstream read starts only after the previous write to the
// client finished, so memory per stream stays bounded by one buffer whatever the client's speed.
#include <cstdint>
#include <functional>
#include <string>

#include "http/server.h"
#include "http/upstream_client.h"

namespace sy::http {

struct relay_result {
  bool complete = false;                               // the whole upstream body reached the client
  bool client_gone = false;                            // a write to the client failed
  upstream_error error;                                // set when the upstream failed mid-body
  std::uint64_t body_bytes = 0;                        // body bytes written to the client
  std::chrono::steady_clock::time_point first_byte{};  // when the first body byte went out
};

// Turns a failure message into a final server-sent event for this API's clients
// (e.g. OpenAI: `data: {"error":{...}}\n\n`).
using sse_error_formatter = std::function<std::string(std::string_view message)>;
// Sees each piece of the body as it goes out (whole events or lines, for sse and ndjson framing).
using body_observer = std::function<void(std::string_view piece)>;
// Rewrites the body on its way out (whole events or lines in, the client's bytes out); `end` adds the
// last bytes of a body that ended cleanly.
struct body_rewriter {
  std::function<std::string(std::string_view piece)> piece;
  std::function<std::string()> end;
};

// Asked when an sse or ndjson body ended cleanly at the HTTP level: why the stream inside it is
// still cut short (its own last event never came: a dead upstream's FIN or last chunk), or ""
// when it ended. A reason fails the stream like an upstream failure (result.error, on_error's
// event instead of rewrite->end): a clean HTTP end is not a clean stream end.
using stream_end_check = std::function<std::string()>;

// How an upstream body is cut before it is observed and rewritten: as it comes (raw), into whole
// server-sent events (sse: text/event-stream), or into whole lines (ndjson: one JSON value per
// line, e.g. Ollama's application/x-ndjson; a line over ndjson_aligner's limit fails the stream).
enum class body_framing { raw, sse, ndjson };

// Sends `head` (status and headers, set by the caller; its body is unused) with chunked framing, then the upstream
// body. For sse and ndjson bodies, only whole events (lines) are forwarded, so that when the
// upstream fails mid-stream the client gets a clean error event (from `on_error`), never a torn
// event and never a fabricated end (the client connection stays usable after it); so is one whose
// body ends cleanly before its stream did (`cut_short`). A raw body that fails, or a framed one
// without `on_error`, is left torn (the connection closes).
// The upstream connection returns to the pool when the body ended cleanly and both sides allow
// keep-alive.
net::awaitable<relay_result> relay_stream(exchange& ex, const reply& head, upstream_pool& pool, const base_url& url,
                                          upstream_response& up, body_framing framing,
                                          const sse_error_formatter& on_error, const body_observer& observe = {},
                                          const body_rewriter* rewrite = nullptr,
                                          const stream_end_check& cut_short = {});

// The response headers an upstream may pass to the client: content type, rate-limit and
// retry hints. Everything else (cookies, server identity, upstream auth) stays behind.
void copy_passthrough_headers(const bhttp::fields& from, header_list& to);

}  // namespace sy::http
