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

#include "core/config.h"
#include "router/model_capabilities.h"
#include "router/model_catalog.h"
#include "router/model_resolver.h"

namespace sy {

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

// Reads the body of an inference request to `path` ("/chat/completions", ...) and resolves its
// model. Synchronous on purpose: the JSON arena lives on the thread's stack, not in a coroutine
// frame. `session`: the x-session-id header (a consistent-hash key).
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
