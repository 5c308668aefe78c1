#pragma once
// The gateway's endpoints as a table: for each path and method, who may call it, in which API's
// format its errors are written, whether its body must be JSON, whether it is rate limited, and
// which handler answers. What applies to every endpoint (auth, 415, 405, rate limits) is decided
// once, by the gateway, from the entry; the handlers only answer.
#include <cstdint>
#include <ostream>  // verb.hpp uses std::ostream without including it
#include <span>
#include <string_view>

#include <boost/beast/http/verb.hpp>

namespace sy {

enum class route_auth {
  none,     // anyone (the listener's Host and Origin guards still apply)
  metrics,  // a key only when server.metrics_auth is on (the default)
  key,      // a valid key when keys are configured
  admin,    // a valid key with role: admin when keys are configured (the admin API)
};

// Whose error shape a route's errors take (http::exchange::error_format).
enum class route_errors { openai, anthropic, ollama };

enum class route_id {
  root,       // the dashboard for a browser; for API clients (Ollama's probe) "is running"
  dashboard,  // /ui/...: the dashboard's embedded files
  health,
  metrics,
  config,  // the running configuration (masked) and a check of the file
  config_reload,
  backends,
  router,
  usage,
  requests,        // the request log's pages
  request_bodies,  // the bodies kept with one request (observability.capture_bodies)
  events,
  hub,      // search, inspect, pull
  engines,  // /api/engines/..., /api/models
  model_list,
  model_get,
  ollama,            // every endpoint of Ollama's API
  openai_inference,  // chat completions, completions, embeddings
  responses,
  messages,
  count_tokens,
  not_found,  // any other path under /v1/ or /api/: after auth, "no such endpoint"
};

using method_bits = std::uint64_t;
constexpr method_bits method_bit(boost::beast::http::verb v) {
  return method_bits{1} << static_cast<unsigned>(v);
}

struct route {
  std::string_view path;
  bool prefix = false;            // `path` is a prefix ("/v1/models/" + an id)
  method_bits methods = 0;        // the methods it answers; 0: any (the handler decides)
  bool other_methods_405 = true;  // another method gets 405 "use X"; false: the route does not exist for it
  route_auth auth = route_auth::key;
  route_errors errors = route_errors::openai;
  bool json_body = true;  // a body sent with POST/PUT/PATCH must be JSON (else 415)
  bool rate_limited = false;
  route_id id = route_id::not_found;
};

// Every route, in match order (the first that matches the path and method wins).
std::span<const route> gateway_routes();

struct route_match {
  const route* found = nullptr;  // null: no such endpoint (answered 404 without auth)
  bool method_allowed = false;   // false: answer 405 naming allowed_method()
};
route_match match_route(std::string_view path, boost::beast::http::verb method);

// The client API an inference endpoint belongs to: "openai", "responses", "anthropic", "ollama";
// "" for any other path.
std::string_view client_api(std::string_view path);

// The method a 405 names ("use POST for /v1/chat/completions").
std::string_view allowed_method(const route& r);

}  // namespace sy
