#pragma once
// The request plan: what the gateway reads from an inference request (model, stream, needed
// capabilities, the consistent-hash material) and the targets it will try, in order — the
// route's targets in its strategy's order, then the fallbacks — without those known to lack what
// the request needs. Pure functions of the configuration, the model catalog and the request;
// the router's strategy is passed in.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/chat_types.h"
#include "core/config.h"
#include "router/model_capabilities.h"
#include "router/model_catalog.h"
#include "router/model_resolver.h"

namespace sy {

// What routing reads from an inference request, whatever API it came in: the router's view of
// the canonical request. `prompt_prefix` (a hash of the conversation's start, for
// consistent_hash on "prompt") is computed only when such a route asks for it.
struct routing_view {
  std::string model;
  bool stream = false;
  request_needs needs;
  std::string user;  // the body's user field (consistent_hash on "user")
  std::function<std::uint64_t()> prompt_prefix;
};

// The view of a request an inbound adapter already decoded (the body is not parsed again). It
// refers to `request`, which must outlive it. `path`: the OpenAI path it goes to.
routing_view routing_view_of(const api::chat_request& request, std::string_view path);

// What the gateway needs from an inference request body, read once at the edge.
struct routed_request {
  std::string requested_model;
  bool stream = false;
  request_needs needs;  // the capabilities a target must not be known to lack
  resolved_target target;
};
struct request_error {
  unsigned status;
  std::string message;
  std::string code;
  std::string requested_model = {};
};

// One target of the plan and the route it belongs to (its settings: limits, timeouts).
struct plan_entry {
  resolved_target target;
  const route_config* route = nullptr;
};

// The route's targets in the order its strategy picks for a request with this hash key.
using target_order_fn = std::function<std::vector<std::size_t>(const route_config&, std::uint64_t)>;

// Resolves the model of a request from its view. `session`: the x-session-id header (a
// consistent-hash key).
std::variant<routed_request, request_error> route_view(const routing_view& view, const config& cfg,
                                                       const catalog_snapshot& catalog, std::string_view session,
                                                       const target_order_fn& order);

// The same from the OpenAI-format body of a request to `path` ("/chat/completions", ...): reads
// only the routing fields, in one pass (router/request_fields.h). Synchronous on purpose: a JSON
// arena (the prompt hash of a consistent_hash route reads a tree) lives on the thread's stack,
// not in a coroutine frame.
std::variant<routed_request, request_error> route_request(const std::string& body, std::string_view path,
                                                          const config& cfg, const catalog_snapshot& catalog,
                                                          std::string_view session, const target_order_fn& order);

// The plan of a resolved request: `target`, its fallback ids, then its route's fallback routes
// and aliases (in their own strategy's order, `fallback_order`), each target once; then without
// the targets known to lack `needs`. When none is left: the reason, naming the first lack.
std::variant<std::vector<plan_entry>, std::string> plan_request(
    resolved_target target, const request_needs& needs, std::string_view requested_model, const config& cfg,
    const catalog_snapshot& catalog,
    const std::function<std::vector<std::size_t>(const route_config&)>& fallback_order);

// The settings of `target_id` within `route` (defaults outside any route).
route_target_settings settings_in(const route_config* route, std::string_view target_id);

}  // namespace sy
