#include "server/route_table.h"

#include <array>

#include "api/ollama_paths.h"

namespace sy {

namespace {

using verb = boost::beast::http::verb;
constexpr method_bits get = method_bit(verb::get), head = method_bit(verb::head), post = method_bit(verb::post);

constexpr route admin(std::string_view path, route_id id, method_bits methods) {
  return {.path = path, .methods = methods, .other_methods_405 = false, .auth = route_auth::admin, .id = id};
}
constexpr route inference(std::string_view path, route_id id, route_errors errors = route_errors::openai) {
  return {.path = path, .methods = post, .errors = errors, .rate_limited = true, .id = id};
}
constexpr route ollama_listing(std::string_view path) {
  return {.path = path, .methods = get | head, .errors = route_errors::ollama, .id = route_id::ollama};
}

constexpr auto routes = std::to_array<route>({
    {.path = "/",
     .methods = get | head,
     .other_methods_405 = false,
     .auth = route_auth::none,
     .json_body = false,
     .id = route_id::root},
    {.path = "/ui",
     .methods = get | head,
     .other_methods_405 = false,
     .auth = route_auth::none,  // the files hold no data: the API they call asks for the admin key
     .json_body = false,
     .id = route_id::dashboard},
    {.path = "/ui/",
     .prefix = true,
     .methods = get | head,
     .other_methods_405 = false,
     .auth = route_auth::none,
     .json_body = false,
     .id = route_id::dashboard},
    {.path = "/health", .auth = route_auth::none, .json_body = false, .id = route_id::health},
    {.path = "/metrics",
     .methods = get,
     .other_methods_405 = false,
     .auth = route_auth::metrics,
     .json_body = false,
     .id = route_id::metrics},
    // the admin API (the dashboard's, next): admin keys only
    {.path = "/api/config/reload", .methods = post, .auth = route_auth::admin, .id = route_id::config_reload},
    admin("/api/config", route_id::config, get),
    admin("/api/backends", route_id::backends, get),
    admin("/api/router", route_id::router, get),
    admin("/api/usage", route_id::usage, get),
    admin("/api/requests", route_id::requests, get),
    admin("/api/requests/bodies", route_id::request_bodies, get),
    admin("/api/events", route_id::events, get),
    admin("/api/hub/search", route_id::hub, 0),
    admin("/api/models/pull", route_id::hub, 0),
    admin("/api/models/inspect", route_id::hub, 0),
    {.path = "/api/engines", .prefix = true, .auth = route_auth::admin, .id = route_id::engines},
    admin("/api/models", route_id::engines, 0),
    admin("/api/models/delete", route_id::engines, post),
    // model listings
    {.path = "/v1/models", .methods = get, .id = route_id::model_list},
    {.path = "/v1/models/", .prefix = true, .methods = get, .other_methods_405 = false, .id = route_id::model_get},
    ollama_listing(api::ollama_tags_path),
    ollama_listing(api::ollama_ps_path),
    ollama_listing(api::ollama_version_path),
    // inference
    inference("/v1/chat/completions", route_id::openai_inference),
    inference("/v1/completions", route_id::openai_inference),
    inference("/v1/embeddings", route_id::openai_inference),
    inference("/v1/responses", route_id::responses),
    inference("/v1/messages", route_id::messages, route_errors::anthropic),
    inference("/v1/messages/count_tokens", route_id::count_tokens, route_errors::anthropic),
    inference(api::ollama_chat_path, route_id::ollama, route_errors::ollama),
    inference(api::ollama_generate_path, route_id::ollama, route_errors::ollama),
    inference(api::ollama_embed_path, route_id::ollama, route_errors::ollama),
    inference(api::ollama_embeddings_path, route_id::ollama, route_errors::ollama),
    inference(api::ollama_show_path, route_id::ollama, route_errors::ollama),
    // the rest of the API's namespace: a key first, then "no such endpoint" (in Anthropic's
    // words under /v1/messages)
    {.path = "/v1/messages", .prefix = true, .errors = route_errors::anthropic, .id = route_id::not_found},
    {.path = "/v1/", .prefix = true, .id = route_id::not_found},
    {.path = "/api/", .prefix = true, .id = route_id::not_found},
});

bool path_matches(const route& r, std::string_view path) {
  return r.prefix ? path.starts_with(r.path) : path == r.path;
}

}  // namespace

std::span<const route> gateway_routes() {
  return routes;
}

route_match match_route(std::string_view path, verb method) {
  for (const auto& r : routes) {
    if (!path_matches(r, path)) continue;
    const bool allowed = r.methods == 0 || (r.methods & method_bit(method)) != 0;
    if (allowed || r.other_methods_405) return {&r, allowed};
  }
  return {};
}

std::string_view client_api(std::string_view path) {
  auto m = match_route(path, verb::post);
  if (!m.found) return "";
  switch (m.found->id) {
    case route_id::openai_inference: return "openai";
    case route_id::responses: return "responses";
    case route_id::messages:
    case route_id::count_tokens: return "anthropic";
    case route_id::ollama: return "ollama";
    default: return "";
  }
}

std::string_view allowed_method(const route& r) {
  if (r.methods & post) return "POST";
  return "GET";
}

}  // namespace sy
