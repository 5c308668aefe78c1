#include "server/request_plan.h"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "router/request_fields.h"
#include "router/route_order.h"

namespace sy {

namespace json = boost::json;

namespace {

// The keys consistent_hash may hash a request on.
struct hash_material {
  std::string user;          // the body's "user" field
  std::string session;       // the x-session-id header
  std::uint64_t prompt = 0;  // hash of the start of the conversation
  std::uint64_t key_for(const route_config& r) const {
    if (r.hash_on == "user" && !user.empty()) return hash_text(user);
    if (r.hash_on == "session" && !session.empty()) return hash_text(session);
    return prompt;
  }
};

// The first 512 bytes of the messages (or prompt, or input): the part a conversation keeps as
// it grows, so its turns reach the engine that has it in its prompt cache.
std::uint64_t prompt_prefix_hash(const json::object& obj) {
  for (const char* field : {"messages", "prompt", "input"})
    if (auto* v = obj.if_contains(field)) {
      auto text = json::serialize(*v);
      if (v->is_array() && v->as_array().size() > 1)  // the first two turns: system + first user message
        text = json::serialize(v->as_array()[0]) + json::serialize(v->as_array()[1]);
      return hash_text(std::string_view(text).substr(0, 512));
    }
  return 0;
}

}  // namespace

routing_view routing_view_of(const api::chat_request& request, std::string_view path) {
  routing_view view;
  view.model = request.model;
  view.stream = request.stream;
  view.user = request.user.substr(0, 256);
  view.needs.chat = path == "/chat/completions";
  view.needs.embeddings = path == "/embeddings";
  view.needs.tools = !request.tools.empty();
  std::size_t text_bytes = 0;
  for (const auto& m : request.messages)
    for (const auto& p : m.content) {
      if (p.kind == api::part_kind::text) text_bytes += p.text.size();
      if (p.kind == api::part_kind::image) view.needs.vision = true;
      if (p.kind == api::part_kind::tool_result)
        for (const auto& r : p.result.content) text_bytes += r.text.size();
    }
  view.needs.prompt_tokens = static_cast<std::int64_t>(text_bytes / 4);
  // the first two messages (system + first user turn): the part a conversation keeps as it grows
  view.prompt_prefix = [&request] {
    std::string start;
    for (std::size_t i = 0; i < std::min<std::size_t>(request.messages.size(), 2) && start.size() < 512; ++i) {
      start += static_cast<char>('0' + static_cast<int>(request.messages[i].role));
      for (const auto& p : request.messages[i].content) start += p.text;
    }
    return hash_text(std::string_view(start).substr(0, 512));
  };
  return view;
}

std::variant<routed_request, request_error> route_view(const routing_view& view, const config& cfg,
                                                       const catalog_snapshot& catalog, std::string_view session,
                                                       const target_order_fn& order) {
  if (view.model.empty())
    return request_error{400, "'model' is required: a string naming the model, e.g. \"openai/gpt-4o-mini\"",
                         "missing_model"};
  if (auto problem = model_name_problem(view.model)) return request_error{400, std::move(*problem), "invalid_model"};
  routed_request out;
  out.requested_model = view.model;
  out.stream = view.stream;
  out.needs = view.needs;
  hash_material material;
  material.session = std::string(session.substr(0, 256));
  bool needs_hash = false;
  for (const auto& r : cfg.routes)
    needs_hash = needs_hash || (r.model == view.model && r.strategy == route_strategy::consistent_hash);
  if (needs_hash) {
    material.user = view.user.substr(0, 256);
    if (view.prompt_prefix) material.prompt = view.prompt_prefix();
  }
  auto resolved = model_resolver(cfg, catalog, [&](const route_config& r) {
                    return order(r, material.key_for(r));
                  }).resolve(view.model);
  if (auto* unknown = std::get_if<unknown_model>(&resolved))
    return request_error{404, std::move(unknown->message), "model_not_found", std::move(out.requested_model)};
  out.target = std::move(std::get<resolved_target>(resolved));
  return out;
}

std::variant<routed_request, request_error> route_request(const std::string& body, std::string_view path,
                                                          const config& cfg, const catalog_snapshot& catalog,
                                                          std::string_view session, const target_order_fn& order) {
  json::error_code ec;
  auto fields = read_request_fields(body, path, ec);
  if (ec) return request_error{400, fmt::format("request body is not valid JSON: {}", ec.message()), "invalid_json"};
  if (!fields.is_object) return request_error{400, "request body must be a JSON object", "invalid_json"};
  if (!fields.model || fields.model->empty())
    return request_error{400, "'model' is required: a string naming the model, e.g. \"openai/gpt-4o-mini\"",
                         "missing_model"};
  routing_view view;
  view.model = std::move(*fields.model);
  view.stream = fields.stream;
  view.needs = fields.needs;
  view.user = std::move(fields.user);
  // only for a consistent_hash route on the prompt: then the body is read again, as a tree
  view.prompt_prefix = [&body] {
    json::error_code tree_ec;
    unsigned char scratch[8 * 1024];
    json::monotonic_resource arena(scratch, sizeof scratch);
    auto doc = json::parse(body, tree_ec, &arena);
    return !tree_ec && doc.is_object() ? prompt_prefix_hash(doc.as_object()) : 0;
  };
  return route_view(view, cfg, catalog, session, order);
}

std::variant<std::vector<plan_entry>, std::string> plan_request(
    resolved_target target, const request_needs& needs, std::string_view requested_model, const config& cfg,
    const catalog_snapshot& catalog,
    const std::function<std::vector<std::size_t>(const route_config&)>& fallback_order) {
  const route_config* route = target.route;
  std::vector<plan_entry> plan;
  auto fallbacks = std::move(target.fallbacks);
  plan.reserve(1 + fallbacks.size() + (route ? route->fallback.size() : 0));
  plan.push_back({std::move(target), route});
  model_resolver resolver(cfg, catalog);
  for (const auto& id : fallbacks)
    if (auto got = resolver.resolve_target(id); auto* t = std::get_if<resolved_target>(&got))
      plan.push_back({std::move(*t), route});
  if (route)
    for (const auto& name : route->fallback) {
      model_resolver chain(cfg, catalog, fallback_order);
      auto got = chain.resolve(name);
      auto* t = std::get_if<resolved_target>(&got);
      if (!t) continue;
      auto more = std::move(t->fallbacks);
      const route_config* owner = t->route;
      plan.push_back({std::move(*t), owner});
      for (const auto& id : more)
        if (auto g = resolver.resolve_target(id); auto* x = std::get_if<resolved_target>(&g))
          plan.push_back({std::move(*x), owner});
    }
  // a target reached twice (a fallback route sharing targets) is tried once
  std::vector<plan_entry> unique;
  unique.reserve(plan.size());
  for (auto& a : plan)
    if (std::none_of(unique.begin(), unique.end(), [&](const plan_entry& u) { return u.target.id == a.target.id; }))
      unique.push_back(std::move(a));

  // targets known to lack what the request needs are left out
  std::vector<plan_entry> able;
  able.reserve(unique.size());
  std::string lacking;  // the first target's missing capability
  for (auto& a : unique) {
    const auto* listed = catalog.find(a.target.backend->name);
    auto missing = listed ? missing_capability(listed->capabilities_of(a.target.upstream_model), needs) : std::string();
    if (missing.empty())
      able.push_back(std::move(a));
    else if (lacking.empty())
      lacking = fmt::format("{} does not support {}", a.target.id, missing);
  }
  if (able.empty())
    return unique.size() > 1 ? fmt::format("no target of '{}' can take this request: {}", requested_model, lacking)
                             : fmt::format("'{}' cannot take this request: {}", requested_model, lacking);
  return able;
}

route_target_settings settings_in(const route_config* route, std::string_view target_id) {
  if (route)
    for (std::size_t i = 0; i < route->targets.size(); ++i)
      if (route->targets[i] == target_id) return route->settings(i);
  return {};
}

}  // namespace sy
