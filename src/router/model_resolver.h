#pragma once
// Turns the model name a client asked for into a backend and the upstream's own model name.
//
// Order: alias -> route name -> "<backend>/<model>" id -> a bare model name that some backend
// serves (first backend in config order). Unknown names come back with close matches.
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/config.h"
#include "router/model_catalog.h"

namespace sy {

struct resolved_target {
  const backend_config* backend = nullptr;
  std::string upstream_model;           // what the upstream is asked for
  std::string id;                       // "<backend>/<model>"
  std::string via;                      // "id", "alias", "route" or "name": how the name was matched
  std::vector<std::string> fallbacks;   // a route's later targets, in priority order (tried when this one fails)
  const route_config* route = nullptr;  // the route it came from, if any
  // The model is one the gateway knows (configured, or in its backend's model list), not a name
  // a client made up for a backend that lists nothing: only known ones get series of their own
  // in metrics and router statistics (see stats_id()).
  bool known = false;
  // The id under which metrics and router statistics count this target: its own when known,
  // else "<backend>/(other)" (a client cannot grow them without bound).
  std::string stats_id() const;
};

// Model names a client may send: 1 to 256 bytes, no control characters (they would reach
// headers and logs). Returns why a name is refused, or nullopt.
std::optional<std::string> model_name_problem(std::string_view name);

struct unknown_model {
  std::string message;  // for the client: says what was asked and what is close
  std::vector<std::string> suggestions;
};

class model_resolver {
 public:
  // The order in which a route tries its targets (indexes into route.targets; the strategy's
  // choice). Without one, every route uses its configured order.
  using order_fn = std::function<std::vector<std::size_t>(const route_config&)>;

  model_resolver(const config& cfg, const catalog_snapshot& catalog, order_fn order = {})
      : cfg_(cfg), catalog_(catalog), order_(std::move(order)) {}

  std::variant<resolved_target, unknown_model> resolve(std::string_view requested) const;
  // One "<backend>/<model>" id (a route target), without aliases or routes.
  std::variant<resolved_target, unknown_model> resolve_target(std::string_view id) const {
    return resolve_id(id, "route", id);
  }

  // Every name a client may use: ids of listed models, aliases and routes.
  std::vector<std::string> known_names() const;

 private:
  std::variant<resolved_target, unknown_model> resolve_id(std::string_view id, std::string via,
                                                          std::string_view requested) const;
  unknown_model not_found(std::string_view requested) const;
  bool configured_target(std::string_view id) const;  // an alias's or a route's target

  const config& cfg_;
  const catalog_snapshot& catalog_;
  order_fn order_;
};

}  // namespace sy
