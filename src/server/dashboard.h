#pragma once
// Serving the embedded dashboard: which file a path names, and the reply for it — encoding
// negotiated from Accept-Encoding (brotli, then gzip, then identity), 304 for a matching
// If-None-Match, long-lived caching for content-hashed files, and the security headers every
// dashboard page carries (a strict Content-Security-Policy: scripts, styles and connections to
// this origin only, no framing, no MIME sniffing, no referrer). Pure functions: no I/O.
#include <string_view>

#include "http/reply.h"
#include "server/dashboard_assets.h"

namespace sy::dashboard {

// The file for a request path: "/" (for a browser) and "/ui", "/ui/" give index.html;
// "/ui/..." the embedded file of that name. Null when there is none.
const asset* find(std::string_view path);

// Whether a client asking for "/" is a browser (it accepts text/html) rather than an API client
// probing that a server is there (Ollama's clients, curl).
bool wants_html(std::string_view accept);

// The reply for `a`: 200 with the best body the client accepts, or 304 when `if_none_match`
// names its ETag. Always Vary: Accept-Encoding.
http::reply serve(const asset& a, std::string_view accept_encoding, std::string_view if_none_match);

// The reply when the binary has no dashboard (built without ui/): a short HTML page saying so.
http::reply not_built();

// The security headers of every dashboard reply (added by serve() and not_built()).
void add_security_headers(http::reply& r);

}  // namespace sy::dashboard
