#pragma once
// Who a request is: the API key it presents, the identity it is counted under (rate limits,
// usage), its per-key limits, and whether its body may be read as JSON. Pure functions of the
// configuration and the request; the gateway answers 401/415 from them.
#include <optional>
#include <string>

#include "core/config.h"
#include "http/server.h"

namespace sy {

// The configured key the request presents (Authorization: Bearer, or x-api-key): "" when no keys
// are configured, nullopt when it presents none or a wrong one. Compared in constant time.
std::optional<std::string> presented_key(const config& cfg, const http::head_fields& head);

// Whether `key` (from presented_key) may call the admin API: any key when none are configured
// (the listener's own rules apply), else only a key with role: admin.
bool may_administer(const config& cfg, const std::string& key);

// Who the request counts against for rate limits and usage: the key's configured name, its
// fingerprint, or the client's address when no keys are configured. Never the key itself.
std::string client_identity(const config& cfg, const std::string& key, const http::exchange& ex);

// The request limits of a key: its own, else server.rate_limit.
const rate_limit& limit_for(const config& cfg, const std::string& key);

// Whether a request's body may be read as JSON. Every body this API takes is JSON; a web page can
// send a "simple" cross-site request only with text/plain, form or multipart bodies (or a Blob
// without a type), so refusing those closes that door even where the Origin check cannot see.
// A body-less POST without a Content-Type (`curl -X POST .../reload`) is fine.
bool body_is_json(const http::request& req, std::string_view content_type);

}  // namespace sy
