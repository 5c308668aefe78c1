#include "router/model_resolver.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/close_matches.h"

namespace sy {

std::optional<std::string> model_name_problem(std::string_view name) {
  if (name.empty()) return "'model' is empty";
  if (name.size() > 256) return fmt::format("'model' is {} bytes long; model names have at most 256", name.size());
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return std::string("'model' contains control characters");
  return std::nullopt;
}

std::string resolved_target::stats_id() const {
  if (known || !backend) return id;
  return backend->name + "/(other)";
}

std::variant<resolved_target, unknown_model> model_resolver::resolve(std::string_view requested) const {
  if (auto problem = model_name_problem(requested)) return unknown_model{std::move(*problem), {}};
  if (auto it = cfg_.aliases.find(std::string(requested)); it != cfg_.aliases.end())
    return resolve_id(it->second, "alias", requested);
  for (const auto& r : cfg_.routes)
    if (r.model == requested) {
      // the targets in the strategy's order: the first that resolves leads, the later ones are
      // its fallbacks
      std::vector<std::string> order;
      if (order_)
        for (auto i : order_(r)) order.push_back(r.targets.at(i));
      else
        order = r.targets;
      for (std::size_t i = 0; i < order.size(); ++i) {
        auto got = resolve_id(order[i], "route", requested);
        if (auto* t = std::get_if<resolved_target>(&got)) {
          t->known = true;  // a configured target
          t->fallbacks.assign(order.begin() + std::ptrdiff_t(i) + 1, order.end());
          t->route = &r;
          return got;
        }
      }
      return not_found(requested);
    }
  if (auto slash = requested.find('/');
      slash != std::string_view::npos && cfg_.find_backend(requested.substr(0, slash)))
    return resolve_id(requested, "id", requested);
  for (const auto& b : catalog_.backends) {
    if (b.serves(requested)) {
      resolved_target t;
      t.backend = cfg_.find_backend(b.backend);
      t.upstream_model = std::string(requested);
      t.id = b.backend + "/" + std::string(requested);
      t.via = "name";
      t.known = true;  // listed
      if (t.backend) return t;
    }
  }
  return not_found(requested);
}

std::variant<resolved_target, unknown_model> model_resolver::resolve_id(std::string_view id, std::string via,
                                                                        std::string_view requested) const {
  auto slash = id.find('/');
  resolved_target t;
  t.backend = cfg_.find_backend(id.substr(0, slash));
  t.upstream_model = std::string(id.substr(slash + 1));
  t.id = std::string(id);
  t.via = std::move(via);
  if (!t.backend || t.upstream_model.empty()) return not_found(requested);
  // When the backend's list is known, a model missing from it is a typo, not a pass-through.
  const auto* models = catalog_.find(t.backend->name);
  if (models && models->state == listing_state::ok && !models->serves(t.upstream_model)) return not_found(requested);
  t.known = t.via != "id" || (models && models->serves(t.upstream_model)) || configured_target(id);
  return t;
}

bool model_resolver::configured_target(std::string_view id) const {
  for (const auto& [alias, target] : cfg_.aliases)
    if (target == id) return true;
  for (const auto& r : cfg_.routes)
    for (const auto& target : r.targets)
      if (target == id) return true;
  return false;
}

std::vector<std::string> model_resolver::known_names() const {
  std::vector<std::string> names;
  for (const auto& [alias, target] : cfg_.aliases) names.push_back(alias);
  for (const auto& r : cfg_.routes) names.push_back(r.model);
  for (const auto& b : catalog_.backends)
    for (const auto& m : b.all()) names.push_back(b.backend + "/" + m);
  return names;
}

unknown_model model_resolver::not_found(std::string_view requested) const {
  unknown_model out;
  auto names = known_names();
  out.suggestions = close_matches(requested, names);
  // also match the bare part of "<backend>/<model>" ids: "gpt4o-mini" -> "openai/gpt-4o-mini"
  if (out.suggestions.size() < 3) {
    std::vector<std::string> bare;
    for (const auto& n : names)
      if (auto s = n.find('/'); s != std::string::npos) bare.push_back(n.substr(s + 1));
    auto wanted = requested.substr(requested.find('/') == std::string_view::npos ? 0 : requested.find('/') + 1);
    for (const auto& m : close_matches(wanted, bare, 3)) {
      for (const auto& n : names)
        if (n.size() > m.size() && n.ends_with("/" + m) &&
            std::find(out.suggestions.begin(), out.suggestions.end(), n) == out.suggestions.end() &&
            out.suggestions.size() < 3)
          out.suggestions.push_back(n);
    }
  }
  if (out.suggestions.empty())
    out.message = fmt::format("model '{}' not found; GET /v1/models lists what is available", requested);
  else
    out.message = fmt::format("model '{}' not found; did you mean {}?", requested,
                              fmt::join(out.suggestions.begin(), out.suggestions.end(), ", "));
  return out;
}

}  // namespace sy
