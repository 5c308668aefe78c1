// The model listings of the client APIs: GET /v1/models (OpenAI's and Anthropic's shapes) and
// GET /v1/models/{id}.
#include "server/gateway.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/local_backend_name.h"
#include "core/rfc3339.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "router/model_resolver.h"
#include "server/request_record.h"
#include "store/local_model_json.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

http::net::awaitable<void> gateway::list_models(const gateway_state& st, http::exchange& ex) {
  auto snapshot = catalog_.snapshot();
  auto created = std::chrono::duration_cast<std::chrono::seconds>(started_.time_since_epoch()).count();
  json::array data;
  for (const auto& [alias, target] : st.cfg->aliases)
    data.push_back(json::object{{"id", alias},
                                {"object", "model"},
                                {"created", created},
                                {"owned_by", "switchyard"},
                                {"switchyard", json::object{{"kind", "alias"}, {"target", target}}}});
  for (const auto& r : st.cfg->routes) {
    json::array targets;
    for (const auto& t : r.targets) targets.push_back(json::string(t));
    data.push_back(json::object{{"id", r.model},
                                {"object", "model"},
                                {"created", created},
                                {"owned_by", "switchyard"},
                                {"switchyard", json::object{{"kind", "route"}, {"targets", std::move(targets)}}}});
  }
  // local models (the store's own list: the catalog's "local" listing is its names), with their
  // context length and whether an engine has them loaded
  if (local_) {
    auto states = local_->engine_states();
    for (auto local_models = local_->models(); const auto& m : *local_models) {
      auto state = backends::local_backend::state_of(states, m.name);
      data.push_back(json::object{{"id", local_model_id(m.name)},
                                  {"object", "model"},
                                  {"created", m.added},
                                  {"owned_by", local_backend_name},
                                  {"context_length", m.context_length},
                                  {"switchyard", json::object{{"kind", "model"},
                                                              {"backend", local_backend_name},
                                                              {"upstream_model", m.name},
                                                              {"loaded", state == "ready"},
                                                              {"state", state},
                                                              {"size_bytes", m.size_bytes},
                                                              {"quantization", m.quantization},
                                                              {"parameters", m.parameters},
                                                              {"architecture", m.architecture},
                                                              {"embedding", m.embedding}}}});
    }
  }
  for (const auto& b : snapshot->backends) {
    if (b.backend == local_backend_name) continue;  // listed above
    for (const auto& m : b.all()) {
      json::object about{{"kind", "model"}, {"backend", b.backend}, {"upstream_model", m}};
      if (const auto& c = b.capabilities_of(m); c.known()) about["capabilities"] = c.to_json();  // what its list said
      data.push_back(json::object{{"id", b.backend + "/" + m},
                                  {"object", "model"},
                                  {"created", created},
                                  {"owned_by", b.backend},
                                  {"switchyard", std::move(about)}});
    }
  }
  if (!ex.fields.anthropic_version.empty()) {  // an Anthropic client: its own list shape
    json::array models;
    for (const auto& m : data) {
      const auto& o = m.as_object();
      std::int64_t since_ns = 0;  // "created" comes from upstreams: an absurd value reads as 1970
      if (__builtin_mul_overflow(o.at("created").to_number<std::int64_t>(), 1'000'000'000, &since_ns)) since_ns = 0;
      models.push_back(json::object{{"type", "model"},
                                    {"id", o.at("id")},
                                    {"display_name", o.at("id")},
                                    {"created_at", format_rfc3339(since_ns, rfc3339_fraction::none)}});
    }
    json::object list{{"data", models}, {"has_more", false}, {"first_id", nullptr}, {"last_id", nullptr}};
    if (!models.empty()) {
      list["first_id"] = models.front().at("id");
      list["last_id"] = models.back().at("id");
    }
    auto res = http::json_response(ex, 200, json::serialize(list));
    co_await http::send(ex, res);
    co_return;
  }
  auto res = http::json_response(ex, 200, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}}));
  co_await http::send(ex, res);
}

http::net::awaitable<void> gateway::get_model(const gateway_state& st, http::exchange& ex, std::string_view id,
                                              request_record& log) {
  auto snapshot = catalog_.snapshot();
  model_resolver resolver(*st.cfg, *snapshot);
  auto resolved = resolver.resolve(id);
  if (auto* unknown = std::get_if<unknown_model>(&resolved)) {
    co_await reply_error(ex, log, 404, unknown->message, "model_not_found");
    co_return;
  }
  log.status = 200;
  auto& t = std::get<resolved_target>(resolved);
  auto res = http::json_response(
      ex, 200,
      json::serialize(json::object{
          {"id", std::string(id)},
          {"object", "model"},
          {"created", std::chrono::duration_cast<std::chrono::seconds>(started_.time_since_epoch()).count()},
          {"owned_by", t.backend->name},
          {"switchyard",
           json::object{{"backend", t.backend->name}, {"upstream_model", t.upstream_model}, {"via", t.via}}}}));
  co_await http::send(ex, res);
}

}  // namespace sy
