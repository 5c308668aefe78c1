// The admin API (the dashboard's): backends, usage, live events, engines and models of the
// local store, and the Prometheus text of /metrics.
#include "server/gateway.h"

#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/config_sources.h"
#include "core/local_backend_name.h"
#include "core/version.h"
#include "http/error_body.h"
#include "http/event_stream.h"
#include "http/pch.h"
#include "http/url.h"
#include "server/request_record.h"
#include "store/local_model_json.h"
#include "store/store_error.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

http::net::awaitable<void> gateway::events_api(http::exchange& ex, request_record& log) {
  log.status = 200;
  auto sub = events_.subscribe(co_await http::net::this_coro::executor);
  http::event_stream out(ex);
  if (!co_await out.open()) co_return;
  auto hello = fmt::format(R"({{"version":"{}"}})", version);
  if (!co_await out.send("hello", hello)) co_return;
  for (;;) {
    auto batch = co_await sub->next(std::chrono::seconds(15));
    if (batch.empty()) {
      if (sub->closed()) break;
      if (!co_await out.comment("keepalive")) co_return;
      continue;
    }
    for (const auto& e : batch)
      if (!co_await out.send(e.kind, e.json)) co_return;
  }
  co_await out.close();
}

http::net::awaitable<void> gateway::backends_api(const gateway_state& st, http::exchange& ex, request_record& log) {
  auto snapshot = catalog_.snapshot();
  json::array list;
  auto add = [&](json::object o, const std::string& name) {
    if (const auto* m = snapshot->find(name)) {
      o["listing"] = to_string(m->state);
      o["models"] = m->all().size();
      if (!m->last_error.empty()) o["error"] = m->last_error;
    }
    list.push_back(std::move(o));
  };
  // the models of this machine's store, run by local engines
  add(json::object{{"name", local_backend_name}, {"type", "llama.cpp"}, {"url", "-"}, {"source", "built-in"}},
      std::string(local_backend_name));
  for (const auto& b : st.cfg->backends)
    add(json::object{{"name", b.name},
                     {"type", backend_type_name(b.type)},
                     {"url", without_url_credentials(b.url)},
                     {"source", b.discovered.empty() ? std::string("config") : b.discovered}},
        b.name);
  log.status = 200;
  // discovering: the first probe of local servers has not finished (what it finds is not listed yet)
  auto res = http::json_response(
      ex, 200, json::serialize(json::object{{"backends", std::move(list)}, {"discovering", !probed_.load()}}));
  co_await http::send(ex, res);
}

http::net::awaitable<void> gateway::config_api(const gateway_state& st, http::exchange& ex, request_record& log) {
  // the running configuration (secrets masked), and whether the file on disk would load: read
  // and validated on the blocking pool, never applied (POST /api/config/reload applies it)
  std::size_t running_digest = 0;
  {
    std::lock_guard lock(state_mutex_);
    if (base_cfg_) running_digest = base_cfg_->source_digest;
  }
  json::object answer{{"source", st.cfg->source}, {"running", to_masked_yaml(*st.cfg)}};
  auto job = [source = config_source_, running_digest, answer = std::move(answer)]() mutable -> job_result {
    json::object file;
    if (!source) {
      file["checked"] = false;
    } else {
      file["checked"] = true;
      try {
        auto on_disk = source();
        file["valid"] = true;
        file["changed"] = on_disk->source_digest != running_digest;  // a reload would apply it
      } catch (const std::exception& e) {
        file["valid"] = false;
        file["error"] = e.what();
      }
    }
    answer["file"] = std::move(file);
    return {200, json::serialize(answer)};
  };
  auto r = co_await blocking_.run(std::move(job));
  co_await reply_job(ex, log, r, "config_check_failed");
}

namespace {

using ledger_read = std::function<gateway::job_result(usage_store&)>;

// What a parsed ledger query reads (`answer` with the query), or why the query is refused.
template <class Query>
std::variant<ledger_read, std::string> ledger_reader(std::variant<Query, std::string> parsed,
                                                     std::string (usage_store::*answer)(const Query&)) {
  if (auto* why = std::get_if<std::string>(&parsed)) return std::move(*why);
  return ledger_read([query = std::get<Query>(std::move(parsed)), answer](usage_store& l) {
    return gateway::job_result{200, (l.*answer)(query)};
  });
}

// GET /api/requests/bodies?id=N: the bodies kept with request N, 404 when none were.
std::variant<ledger_read, std::string> bodies_reader(std::string_view target) {
  auto v = http::query_param(target, "id");
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
  if (ec != std::errc{} || end != v.data() + v.size() || id <= 0)
    return std::string("use ?id=<request id from /api/requests>");
  return ledger_read([id](usage_store& l) -> gateway::job_result {
    if (auto body = l.bodies_json(id)) return {200, std::move(*body)};
    return {404, fmt::format("no bodies were kept with request {} (observability.capture_bodies is off, or it left "
                             "the request log)",
                             id)};
  });
}

}  // namespace

http::net::awaitable<void> gateway::ledger_api(http::exchange& ex, request_record& log, route_id which) {
  if (!usage_) {
    co_await reply_error(ex, log, 503, "usage is not being recorded (the ledger could not be opened)",
                         "usage_unavailable");
    co_return;
  }
  std::string_view target = ex.req.target();
  auto q = target.find('?');
  std::string_view query_string = q == std::string_view::npos ? "" : target.substr(q + 1);
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  // GET /api/usage: a summary; GET /api/requests: a page of the request log; its bodies
  auto reader = which == route_id::usage
                    ? ledger_reader(usage_store::parse_usage_query(query_string, now_ms), &usage_store::summary_json)
                : which == route_id::requests
                    ? ledger_reader(usage_store::parse_request_page(query_string, now_ms), &usage_store::requests_json)
                    : bodies_reader(target);
  if (auto* why = std::get_if<std::string>(&reader)) {
    co_await reply_error(ex, log, 400, *why, "invalid_query");
    co_return;
  }
  // flush and query on the blocking pool: the disk is never touched on a worker
  auto* ledger = usage_.get();
  auto job = [ledger, read = std::get<ledger_read>(std::move(reader))]() -> job_result {
    try {
      ledger->flush();
      return read(*ledger);
    } catch (const std::exception& e) {
      return {500, e.what()};
    }
  };
  auto r = co_await blocking_.run(std::move(job));
  co_await reply_job(ex, log, r, r.status == 404 ? "bodies_not_found" : "usage_query_failed");
}

namespace {

// {"model": "name" | "local/name", "force": bool} from an admin request body.
std::optional<std::pair<std::string, bool>> model_and_force(const std::string& body) {
  json::error_code ec;
  auto doc = json::parse(body, ec);
  auto* obj = ec ? nullptr : doc.if_object();
  auto* model = obj ? obj->if_contains("model") : nullptr;
  if (!model || !model->is_string() || model->as_string().empty()) return std::nullopt;
  std::string name(model->as_string());
  if (auto store_name = local_store_name(name)) name = std::string(*store_name);
  bool force = false;
  if (auto* f = obj->if_contains("force"); f && f->is_bool()) force = f->as_bool();
  return std::pair{name, force};
}

json::object engine_json(const engine::engine_report& e) {
  auto now = std::chrono::system_clock::now();
  json::object o{{"model", e.model},
                 {"id", local_model_id(e.model)},
                 {"path", e.path},
                 {"state", engine::to_string(e.status.state)},
                 {"pid", e.status.pid},
                 {"port", e.status.port},
                 {"memory_bytes", e.memory_bytes},
                 {"slots", e.slots},
                 {"slots_busy", e.in_flight},
                 {"restarts", e.restarts},
                 {"load_time_ms", e.status.load_time.count()},
                 {"last_error", e.status.last_error}};
  if (e.status.state == engine::engine_state::ready)
    o["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(now - e.status.started_at).count();
  if (e.status.exit_status) o["exit_status"] = *e.status.exit_status;
  if (e.last_used.time_since_epoch().count() > 0)
    o["idle_s"] = std::chrono::duration_cast<std::chrono::seconds>(now - e.last_used).count();
  return o;
}

}  // namespace

http::net::awaitable<void> gateway::engines_api(const gateway_state& st, http::exchange& ex, std::string_view path,
                                                request_record& log) {
  const auto method = ex.req.method();
  auto reply_json = [&](unsigned status, json::value body) -> http::net::awaitable<void> {
    log.status = status;
    auto res = http::json_response(ex, status, json::serialize(body));
    co_await http::send(ex, res);
  };
  if (!local_) {
    co_await reply_error(ex, log, 503, "local models are unavailable: " + local_unavailable_, "local_unavailable");
    co_return;
  }
  if (path == "/api/engines" && method == bhttp::verb::get) {
    json::array list;
    for (const auto& e : local_->supervisor().engines()) list.push_back(engine_json(e));
    json::object body{{"engines", std::move(list)},
                      {"max_loaded", st.cfg->engine.max_loaded},
                      {"memory_budget", st.cfg->engine.memory_budget},
                      {"llama_server", local_->server_binary()}};
    co_await reply_json(200, std::move(body));
  } else if (path == "/api/models" && method == bhttp::verb::get) {
    auto states = local_->engine_states();
    json::array list;
    for (auto local_models = local_->models(); const auto& m : *local_models) {
      auto o = store::to_json(m);
      o["state"] = backends::local_backend::state_of(states, m.name);
      list.push_back(std::move(o));
    }
    json::object body{{"models", std::move(list)}, {"home", local_->home()}};
    co_await reply_json(200, std::move(body));
  } else if ((path == "/api/engines/load" || path == "/api/engines/unload") && method == bhttp::verb::post) {
    auto args = model_and_force(ex.req.body());
    if (!args) {
      co_await reply_error(ex, log, 400, "send a JSON body {\"model\": \"<local model name>\"}", "missing_model");
    } else if (path == "/api/engines/load") {
      auto began = std::chrono::steady_clock::now();
      auto err = co_await local_->load(*st.cfg, args->first);
      if (err) {
        co_await reply_error(ex, log, err->status, err->message, err->code);
      } else {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
        json::object body{{"model", args->first}, {"state", "ready"}, {"took_ms", ms.count()}};
        co_await reply_json(200, std::move(body));
      }
    } else {
      auto why = co_await local_->unload(args->first, args->second);
      if (!why.empty())
        co_await reply_error(ex, log, why.find("not loaded") != std::string::npos ? 404 : 409, why, "unload_refused");
      else {
        json::object body{{"model", args->first}, {"state", "stopped"}};
        co_await reply_json(200, std::move(body));
      }
    }
  } else if (path == "/api/models/delete" && method == bhttp::verb::post) {
    auto args = model_and_force(ex.req.body());
    if (!args) {
      co_await reply_error(ex, log, 400, "send a JSON body {\"model\": \"<local model name>\"}", "missing_model");
      co_return;
    }
    // on the pool: unloading and deleting touch processes and the disk; the listing follows
    auto job = [this, cfg = st.cfg, name = args->first, force = args->second]() -> job_result {
      try {
        auto removed = local_->remove(name, force);
        catalog_.update_listing(std::string(local_backend_name), local_->refresh(cfg->engine));
        spdlog::info("local model '{}': deleted from the admin API", removed.name);
        return {200, json::serialize(
                         json::object{{"model", removed.name}, {"deleted", true}, {"size_bytes", removed.size_bytes}})};
      } catch (const store::store_error& e) {
        return {e.kind() == store::store_errc::not_found ? 404u
                : e.kind() == store::store_errc::io      ? 500u
                                                         : 409u,
                e.what()};
      } catch (const std::exception& e) {
        return {409, e.what()};
      }
    };
    auto r = co_await blocking_.run(std::move(job));
    co_await reply_job(ex, log, r, "delete_refused");
  } else if (path == "/api/engines/log" && method == bhttp::verb::get) {
    // ?model=NAME: the end of that model's engine log (every run), as text
    auto name = http::query_param(ex.req.target(), "model");
    if (auto store_name = local_store_name(name)) name = std::string(*store_name);
    if (name.empty()) {
      co_await reply_error(ex, log, 400, "use ?model=<local model name>", "missing_model");
      co_return;
    }
    auto job = [this, name]() -> job_result {
      return {200, json::serialize(json::object{{"model", name},
                                                {"path", local_->supervisor().log_path(name)},
                                                {"tail", local_->supervisor().log_tail(name, 16 * 1024)}})};
    };
    auto r = co_await blocking_.run(std::move(job));
    co_await reply_job(ex, log, r, "log_unavailable");
  } else {
    co_await reply_error(ex, log, 405, fmt::format("{} {} is not supported", std::string(ex.req.method_string()), path),
                         "method_not_allowed");
  }
}

std::string gateway::metrics_text() {
  return metrics_.render([this](std::string& out) {
    std::uint64_t opened = 0, reused = 0;
    for (const auto& p : pools_) opened += p->opened(), reused += p->reused();
    out +=
        "# HELP switchyard_upstream_connections_opened_total Upstream connections opened.\n"
        "# TYPE switchyard_upstream_connections_opened_total counter\n";
    out += fmt::format("switchyard_upstream_connections_opened_total {}\n", opened);
    out +=
        "# HELP switchyard_upstream_connections_reused_total Requests sent on a pooled keep-alive connection.\n"
        "# TYPE switchyard_upstream_connections_reused_total counter\n";
    out += fmt::format("switchyard_upstream_connections_reused_total {}\n", reused);
    if (server_) {
      out +=
          "# HELP switchyard_client_connections_accepted_total Client connections accepted.\n"
          "# TYPE switchyard_client_connections_accepted_total counter\n";
      out += fmt::format("switchyard_client_connections_accepted_total {}\n", server_->connections_accepted());
    }
    router_.prometheus(out);
    if (local_) {
      auto list = local_->supervisor().engines();
      out +=
          "# HELP switchyard_engine_up Whether a local model's engine is ready (1), or loading, stopping or failed "
          "(0).\n# TYPE switchyard_engine_up gauge\n";
      for (const auto& e : list)
        out += fmt::format("switchyard_engine_up{{model=\"{}\"}} {}\n", prom_escape(e.model),
                           e.status.state == engine::engine_state::ready ? 1 : 0);
      out +=
          "# HELP switchyard_engine_requests_in_flight Requests a local model's engine is serving.\n"
          "# TYPE switchyard_engine_requests_in_flight gauge\n";
      for (const auto& e : list)
        out +=
            fmt::format("switchyard_engine_requests_in_flight{{model=\"{}\"}} {}\n", prom_escape(e.model), e.in_flight);
      out +=
          "# HELP switchyard_engine_memory_bytes Estimated RAM of a local model's engine.\n"
          "# TYPE switchyard_engine_memory_bytes gauge\n";
      for (const auto& e : list)
        out += fmt::format("switchyard_engine_memory_bytes{{model=\"{}\"}} {}\n", prom_escape(e.model), e.memory_bytes);
      out +=
          "# HELP switchyard_engine_restarts_total Loads of a local model after its first.\n"
          "# TYPE switchyard_engine_restarts_total counter\n";
      for (const auto& e : list)
        out += fmt::format("switchyard_engine_restarts_total{{model=\"{}\"}} {}\n", prom_escape(e.model), e.restarts);
    }
  });
}

}  // namespace sy
