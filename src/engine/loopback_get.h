#pragma once
// A tiny blocking HTTP/1.1 GET against a loopback port, for engine health checks (GET /health)
// before the gateway's async upstream path is involved. One request per connection
// (Connection: close); the whole exchange is bounded by `timeout`.
//
// Threading: a free function with no shared state; call it from any thread.
#include <string>
#include <vector>

#include "core/duration.h"

namespace sy::engine {

struct loopback_response {
  int status = 0;     // HTTP status; 0 when no response was read (see error)
  std::string body;   // at most max_body bytes
  std::string error;  // "connection refused", "timed out", "malformed response", ...
  bool ok() const { return status >= 200 && status < 300; }
};

// GET http://127.0.0.1:<port><target>. `headers` are extra "Name: value" lines. Never throws.
loopback_response loopback_get(unsigned short port, const std::string& target, duration timeout,
                               const std::vector<std::string>& headers = {}, std::size_t max_body = 64 * 1024);

}  // namespace sy::engine
