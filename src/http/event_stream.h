#pragma once
// A server-sent event stream the gateway produces itself (admin progress, state changes), as
// opposed to one relayed from an upstream (relay.h). Chunked framing, one write per event, the
// exchange's write timeout per write: a client that stops reading is dropped.
//
// Threading: call on the connection's own executor (the handler's coroutine).
#include <string>
#include <string_view>

#include "http/server.h"

namespace sy::http {

class event_stream {
 public:
  explicit event_stream(exchange& ex) : ex_(ex) {}
  // Writes the head (200, text/event-stream, no caching). false when the client is gone.
  net::awaitable<bool> open();
  // One event: "event: <name>\n" (when not empty) and "data: <data>\n\n". `data` must be one line
  // (JSON is). false when the client is gone.
  net::awaitable<bool> send(std::string_view name, std::string_view data);
  // A comment line (": keepalive"): keeps proxies from timing out a quiet stream, and shows
  // whether the client is still there. false when it is gone.
  net::awaitable<bool> comment(std::string_view text);
  // The terminating chunk; the connection may then serve the next request.
  net::awaitable<void> close();

 private:
  net::awaitable<bool> write(const std::string& bytes);
  exchange& ex_;
  bool failed_ = false;
};

}  // namespace sy::http
