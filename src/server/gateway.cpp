#include "server/gateway.h"

#include <random>

#include "server/request_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/json_field.h"
#include "core/config_sources.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/version.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "router/model_resolver.h"
#include "store/local_model_json.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

namespace {

// Local model name -> its engine's state ("ready", "starting", "failed", ...).
using engine_state_map = std::map<std::string, std::string, std::less<>>;
engine_state_map engine_states(backends::local_backend& local) {
  engine_state_map out;
  for (const auto& e : local.supervisor().engines()) out[e.model] = engine::to_string(e.status.state);
  return out;
}
// "not_loaded" for a model without an engine.
std::string state_of(const engine_state_map& states, std::string_view model) {
  auto it = states.find(model);
  return it == states.end() ? "not_loaded" : it->second;
}

std::shared_ptr<const gateway_state> build_state(std::shared_ptr<const config> cfg, const gateway_state* previous) {
  auto st = std::make_shared<gateway_state>();
  st->cfg = std::move(cfg);
  for (const auto& b : st->cfg->backends) {
    // an unchanged backend is reused as it is
    std::shared_ptr<backends::openai_backend> same;
    if (previous)
      for (const auto& old : previous->backends)
        if (old->config().name == b.name && old->config().url == b.url && old->config().api_key == b.api_key &&
            old->config().models == b.models && old->config().list_models == b.list_models)
          same = old;
    st->backends.push_back(same ? same : std::make_shared<backends::openai_backend>(b));
  }
  return st;
}

}  // namespace

backends::openai_backend* gateway_state::backend(std::string_view name) const {
  for (const auto& b : backends)
    if (b->config().name == name) return b.get();
  return nullptr;
}

gateway::gateway(std::shared_ptr<const config> cfg)
    : state_(build_state(cfg, nullptr)), tls_(http::make_client_tls_context()), catalog_(*cfg) {
  try {
    local_ = std::make_unique<backends::local_backend>(*cfg, process_env());
    // listed before the first request: a client that starts the gateway and asks at once finds them
    catalog_.update_listing("local", local_->refresh());
  } catch (const std::exception& e) {
    local_unavailable_ = e.what();
    spdlog::warn("local models are unavailable: {}", local_unavailable_);
  }
}

gateway::~gateway() = default;

void gateway::shutdown() {
  shutting_down_ = true;
  if (local_) local_->join();
  refresh_timer_.reset();
  pools_.clear();
}

std::shared_ptr<const gateway_state> gateway::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

std::vector<std::string> gateway::reload(std::shared_ptr<const config> next) {
  auto current = state();
  auto fresh = build_state(next, current.get());  // may throw: the running state stays
  std::vector<std::string> notes;
  const auto& was = current->cfg->server;
  const auto& now = next->server;
  if (was.listen != now.listen || was.threads != now.threads || was.max_header_bytes != now.max_header_bytes ||
      was.max_body_bytes != now.max_body_bytes || was.header_timeout != now.header_timeout ||
      was.body_timeout != now.body_timeout || was.idle_timeout != now.idle_timeout ||
      was.allowed_hosts != now.allowed_hosts)
    notes.push_back(
        "server listener settings (listen, threads, limits, timeouts, allowed_hosts) apply after a restart");
  catalog_.reconfigure(*next);
  if (local_) local_->reconfigure(*next);
  if (!(current->cfg->router.breaker == next->router.breaker)) {  // new settings: breakers start afresh
    std::lock_guard lock(breakers_mutex_);
    breakers_.clear();
  }
  if (server_)
    for (unsigned i = 0; i < pools_.size(); ++i) {
      auto* pool = pools_[i].get();
      http::net::post(server_->worker_context(i), [pool, upstream = next->upstream] { pool->set_config(upstream); });
    }
  {
    std::lock_guard lock(state_mutex_);
    state_ = std::move(fresh);
  }
  if (server_ && refresh_timer_)  // list the new backends' models now
    http::net::post(server_->worker_context(0), [timer = refresh_timer_] { timer->cancel(); });
  return notes;
}

void gateway::set_config_source(std::function<std::shared_ptr<const config>()> source) {
  config_source_ = std::move(source);
}

std::string gateway::reload_from_source(std::string_view trigger) {
  if (!config_source_) return "this gateway has no configuration source to reload from";
  try {
    auto next = config_source_();
    auto notes = reload(next);
    spdlog::info("configuration reloaded ({}): {} backends, {} aliases, {} routes", trigger, next->backends.size(),
                 next->aliases.size(), next->routes.size());
    for (const auto& n : notes) spdlog::warn("configuration reload: {}", n);
    return {};
  } catch (const config_error& e) {
    spdlog::error("configuration reload ({}) refused, the running configuration stays: {}", trigger, e.what());
    return e.what();
  }
}

void gateway::attach(http::server& srv) {
  server_ = &srv;
  pools_.clear();
  auto st = state();
  for (unsigned i = 0; i < srv.worker_count(); ++i)
    pools_.push_back(std::make_unique<http::upstream_pool>(srv.worker_context(i), *tls_, st->cfg->upstream));
}

void gateway::start_model_refresh(http::server& srv) {
  auto& ctx = srv.worker_context(0);
  refresh_timer_ = std::make_shared<http::net::steady_timer>(ctx);
  http::net::co_spawn(
      ctx,
      [this, timer_ptr = refresh_timer_]() -> http::net::awaitable<void> {
        auto& timer = *timer_ptr;
        for (;;) {
          auto st = state();
          if (local_) {
            auto listed =
                co_await local_->run_blocking([this]() -> std::variant<std::vector<std::string>, std::string> {
                  try {
                    return local_->refresh();
                  } catch (const std::exception& e) {
                    return std::string(e.what());
                  }
                });
            if (auto* names = std::get_if<std::vector<std::string>>(&listed))
              catalog_.update_listing("local", std::move(*names));
            else
              catalog_.listing_failed("local", std::get<std::string>(listed));
          }
          for (auto& b : st->backends) {
            if (!b->config().list_models) continue;
            auto got = co_await b->list_models(*pools_[0]);
            if (auto* ids = std::get_if<std::vector<std::string>>(&got)) {
              catalog_.update_listing(b->config().name, std::move(*ids));
            } else {
              auto& why = std::get<std::string>(got);
              spdlog::warn("listing models of backend '{}' failed: {}", b->config().name, why);
              catalog_.listing_failed(b->config().name, why);
            }
          }
          timer.expires_after(st->cfg->upstream.models_refresh);
          co_await timer.async_wait(http::net::as_tuple(http::net::use_awaitable));
        }
      },
      http::net::detached);
}

namespace {

bool authorized(const config& cfg, const http::exchange& ex) {
  const auto& keys = cfg.server.api_keys;
  if (keys.empty()) return true;
  std::string_view presented;
  auto auth = ex.req[bhttp::field::authorization];
  if (auth.size() > 7 && boost::beast::iequals(auth.substr(0, 7), "Bearer "))
    presented = auth.substr(7);
  else
    presented = ex.req["x-api-key"];
  if (presented.empty()) return false;
  bool ok = false;
  for (const auto& k : keys) ok |= constant_time_equal(presented, k);  // no early exit: timing
  return ok;
}

}  // namespace

http::net::awaitable<void> gateway::reply_error(http::exchange& ex, request_log& log, unsigned status,
                                                std::string message, std::string_view code) {
  log.status = status;
  log.error = message;
  co_await http::send_error(ex, status, log.error, code);
}

http::net::awaitable<void> gateway::handle(http::exchange& ex) {
  auto st = state();  // this request's configuration, to its end
  request_log log;
  std::string_view target = ex.req.target();
  log.path = std::string(target.substr(0, target.find('?')));
  const auto method = ex.req.method();
  const std::string& path = log.path;

  if (path == "/health") {
    log.status = 200;
    auto res = http::json_response(ex, 200, R"({"status":"ok"})");
    co_await http::send(ex, res);
  } else if (path == "/metrics" && method == bhttp::verb::get) {
    log.status = 200;
    std::string body = metrics_.render([this](std::string& out) {
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
      {
        std::lock_guard lock(breakers_mutex_);
        auto now = std::chrono::steady_clock::now();
        out +=
            "# HELP switchyard_target_circuit_state Circuit breaker of a route target: 0 closed, 1 half-open, 2 "
            "open.\n# TYPE switchyard_target_circuit_state gauge\n";
        for (const auto& [id, b] : breakers_) {
          auto s = b.state(now);
          out += fmt::format("switchyard_target_circuit_state{{target=\"{}\"}} {}\n", prom_escape(id),
                             s == breaker_state::closed      ? 0
                             : s == breaker_state::half_open ? 1
                                                             : 2);
        }
      }
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
          out += fmt::format("switchyard_engine_requests_in_flight{{model=\"{}\"}} {}\n", prom_escape(e.model),
                             e.in_flight);
        out +=
            "# HELP switchyard_engine_memory_bytes Estimated RAM of a local model's engine.\n"
            "# TYPE switchyard_engine_memory_bytes gauge\n";
        for (const auto& e : list)
          out +=
              fmt::format("switchyard_engine_memory_bytes{{model=\"{}\"}} {}\n", prom_escape(e.model), e.memory_bytes);
        out +=
            "# HELP switchyard_engine_restarts_total Loads of a local model after its first.\n"
            "# TYPE switchyard_engine_restarts_total counter\n";
        for (const auto& e : list)
          out += fmt::format("switchyard_engine_restarts_total{{model=\"{}\"}} {}\n", prom_escape(e.model), e.restarts);
      }
    });
    auto res = http::json_response(ex, 200, std::move(body));
    res.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    co_await http::send(ex, res);
  } else if (path.starts_with("/v1/") || path.starts_with("/api/")) {
    if (!authorized(*st->cfg, ex)) {
      log.status = 401;
      log.error = "missing or invalid API key";
      auto res = http::json_response(ex, 401,
                                     http::error_body("missing or invalid API key: send 'Authorization: Bearer <key>'",
                                                      "authentication_error", "invalid_api_key"));
      res.set("WWW-Authenticate", "Bearer");
      co_await http::send(ex, res);
    } else if (path == "/api/config/reload") {
      if (method != bhttp::verb::post) {
        co_await reply_error(ex, log, 405, "use POST for /api/config/reload", "method_not_allowed");
      } else if (auto problem = reload_from_source("POST /api/config/reload"); !problem.empty()) {
        co_await reply_error(ex, log, 400, "configuration refused, the running one stays: " + problem,
                             "invalid_config");
      } else {
        log.status = 200;
        auto res = http::json_response(ex, 200, R"({"status":"reloaded"})");
        co_await http::send(ex, res);
      }
    } else if (path == "/api/router" && method == bhttp::verb::get) {
      log.status = 200;
      auto res = http::json_response(ex, 200, router_json());
      co_await http::send(ex, res);
    } else if (path == "/api/hub/search" || path == "/api/models/pull" || path == "/api/models/inspect") {
      co_await hub_api(ex, path, log);
    } else if (path.starts_with("/api/engines") || path == "/api/models") {
      co_await engines_api(*st, ex, path, log);
    } else if (path == "/v1/models") {
      if (method != bhttp::verb::get)
        co_await reply_error(ex, log, 405, "use GET for /v1/models", "method_not_allowed");
      else {
        log.status = 200;
        co_await list_models(*st, ex);
      }
    } else if (path.starts_with("/v1/models/") && method == bhttp::verb::get) {
      co_await get_model(*st, ex, std::string_view(path).substr(11));
      log.status = 200;
    } else if (path == "/v1/chat/completions" || path == "/v1/completions" || path == "/v1/embeddings") {
      if (method != bhttp::verb::post)
        co_await reply_error(ex, log, 405, "use POST for " + path, "method_not_allowed");
      else
        co_await proxy(*st, ex, std::string_view(path).substr(3), log);
    } else {
      co_await reply_error(ex, log, 404,
                           fmt::format("no such endpoint: {} {}", std::string(ex.req.method_string()), path),
                           "unknown_endpoint");
    }
  } else {
    co_await reply_error(ex, log, 404,
                         fmt::format("no such endpoint: {} {}", std::string(ex.req.method_string()), path),
                         "unknown_endpoint");
  }
  finish(*st, ex, log);
}

namespace {

// What the gateway needs from an inference request body, read once at the edge.
struct routed_request {
  std::string requested_model;
  bool stream = false;
  resolved_target target;
  std::string outbound_body;  // the client's bytes with only "model" rewritten
};
struct request_error {
  unsigned status;
  std::string message;
  std::string code;
  std::string requested_model = {};
};

// Synchronous on purpose: the JSON arena lives on the thread's stack, not in a coroutine frame.
// `lead(route)`: the index of the target a route starts with this time (its strategy decides).
std::variant<routed_request, request_error> route_request(const std::string& body, const config& cfg,
                                                          const catalog_snapshot& catalog,
                                                          const model_resolver::lead_fn& lead) {
  json::error_code ec;
  unsigned char scratch[8 * 1024];
  json::monotonic_resource arena(scratch, sizeof scratch);
  json::value doc = json::parse(body, ec, &arena);
  if (ec) return request_error{400, fmt::format("request body is not valid JSON: {}", ec.message()), "invalid_json"};
  auto* obj = doc.if_object();
  if (!obj) return request_error{400, "request body must be a JSON object", "invalid_json"};
  auto* model = obj->if_contains("model");
  if (!model || !model->is_string() || model->as_string().empty())
    return request_error{400, "'model' is required: a string naming the model, e.g. \"openai/gpt-4o-mini\"",
                         "missing_model"};
  routed_request out;
  std::string_view name = model->as_string();
  out.requested_model = std::string(name.substr(0, 256));
  if (auto* st = obj->if_contains("stream"); st && st->is_bool()) out.stream = st->as_bool();
  auto resolved = model_resolver(cfg, catalog, lead).resolve(name);
  if (auto* unknown = std::get_if<unknown_model>(&resolved))
    return request_error{404, std::move(unknown->message), "model_not_found", std::move(out.requested_model)};
  out.target = std::move(std::get<resolved_target>(resolved));
  out.outbound_body = api::replace_top_level_string(body, "model", out.target.upstream_model);
  return out;
}

}  // namespace

http::net::awaitable<void> gateway::proxy(const gateway_state& st, http::exchange& ex, std::string_view path,
                                          request_log& log) {
  auto snapshot = catalog_.snapshot();
  auto routed = route_request(ex.req.body(), *st.cfg, *snapshot,
                              [this](const route_config& route) { return lead_target(route); });
  if (auto* err = std::get_if<request_error>(&routed)) {
    log.status = err->status;
    log.error = err->message;
    log.requested_model = std::move(err->requested_model);
    co_await http::send_error(ex, err->status, err->message, err->code);
    co_return;
  }
  auto& r = std::get<routed_request>(routed);
  log.requested_model = std::move(r.requested_model);
  log.stream = r.stream;
  resolved_target target = std::move(r.target);
  const std::vector<std::string> fallbacks = std::move(target.fallbacks);
  // A route with fallbacks answers its targets' failures itself (naming every attempt) and guards
  // them with breakers; only least_outstanding routes count requests in flight per target.
  const bool has_fallbacks = !fallbacks.empty();
  const bool count_in_flight = target.route && target.route->strategy == route_strategy::least_outstanding;
  std::size_t next_fallback = 0;
  std::string outbound = std::move(r.outbound_body);
  std::string attempts;  // "id: why; " of the targets that failed before answering

  // Failover: a failure before the first byte reached the client (unreachable, timeout, 5xx, 429,
  // an engine that cannot load) moves on to the next target; when none is left, one answer names
  // every attempt.
  backends::forward_outcome outcome;
  for (;;) {
    log.backend = target.backend->name;
    log.target = target.id;
    backends::forward_options fo;
    fo.hold_failures = has_fallbacks;
    std::optional<std::chrono::steady_clock::time_point> open_until;
    if (has_fallbacks) open_until = breaker_admit(target.id, st.cfg->router.breaker);
    if (open_until) {  // skipped without a request: the target failed too often lately
      auto left = std::chrono::ceil<std::chrono::seconds>(*open_until - std::chrono::steady_clock::now()).count();
      outcome = {};
      outcome.status = 503;
      outcome.held = true;
      outcome.retry_after = std::to_string(std::max<long long>(left, 1));
      outcome.error = "circuit open for another " + outcome.retry_after + " s";
    } else {
      metrics_.in_flight_add(log.backend, 1);
      if (count_in_flight) target_in_flight(target.id, +1);
      if (target.backend == &local_backend_config()) {
        if (local_) {
          outcome = co_await local_->forward(*st.cfg, ex, *pools_[ex.worker], path, std::move(outbound),
                                             target.upstream_model, target.id, fo);
        } else {
          outcome = {};
          outcome.status = 503;
          outcome.error = "local models are unavailable: " + local_unavailable_;
          outcome.held = has_fallbacks;
          if (!outcome.held) co_await http::send_error(ex, outcome.status, outcome.error, "local_unavailable");
        }
      } else {
        auto* b = st.backend(target.backend->name);
        outcome = co_await b->forward(ex, *pools_[ex.worker], path, std::move(outbound), target.id, fo);
      }
      metrics_.in_flight_add(log.backend, -1);
      if (count_in_flight) target_in_flight(target.id, -1);
      if (has_fallbacks) breaker_record(target.id, outcome);
    }
    if (outcome.failure != http::upstream_failure::none)
      metrics_.record_upstream_error(log.backend, http::to_string(outcome.failure));
    if (!outcome.held) break;
    attempts += target.id + ": " + outcome.error + "; ";
    std::optional<resolved_target> following;
    while (!following && next_fallback < fallbacks.size()) {
      auto got = model_resolver(*st.cfg, *snapshot).resolve_target(fallbacks[next_fallback++]);
      if (auto* t = std::get_if<resolved_target>(&got)) following = std::move(*t);
    }
    if (!following) {  // nothing left to try: the held failure is the answer
      auto message = "every target of '" + log.requested_model + "' failed: " + attempts.substr(0, attempts.size() - 2);
      auto res =
          http::json_response(ex, outcome.status, http::error_body(message, "upstream_error", "all_targets_failed"));
      if (!outcome.retry_after.empty()) res.set("Retry-After", outcome.retry_after);
      co_await http::send(ex, res);
      outcome.error = std::move(message);
      break;
    }
    spdlog::warn("request {}: {} failed before answering ({}); trying {}", ex.request_id, target.id, outcome.error,
                 following->id);
    target = std::move(*following);
    outbound = api::replace_top_level_string(ex.req.body(), "model", target.upstream_model);
  }
  log.status = outcome.status;
  log.error = outcome.error;
  log.bytes = outcome.response_bytes;
  log.first_byte = outcome.first_byte;
  log.prompt_tokens = outcome.prompt_tokens;
  log.completion_tokens = outcome.completion_tokens;
  if (outcome.failure != http::upstream_failure::none) log.failure = http::to_string(outcome.failure);
  if (!attempts.empty() && outcome.status < 400) log.error = "failed over: " + attempts.substr(0, attempts.size() - 2);
  if (outcome.prompt_tokens > 0 || outcome.completion_tokens > 0)
    metrics_.record_tokens(log.backend, log.target, outcome.prompt_tokens, outcome.completion_tokens);
}

std::size_t gateway::lead_target(const route_config& route) {
  std::lock_guard lock(routing_mutex_);
  const auto n = route.targets.size();
  if (n < 2) return 0;
  if (route.strategy == route_strategy::round_robin) return turns_[route.model]++;
  // least_outstanding: the power of two choices — two distinct targets at random, the less busy leads
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::size_t i = rng() % n, j = rng() % (n - 1);
  if (j >= i) ++j;
  auto busy = [&](std::size_t k) {
    auto it = in_flight_.find(route.targets[k]);
    return it == in_flight_.end() ? 0 : it->second;
  };
  return busy(j) < busy(i) ? j : i;
}

void gateway::target_in_flight(const std::string& target, int delta) {
  std::lock_guard lock(routing_mutex_);
  auto& n = in_flight_[target];
  n += delta;
  if (n <= 0) in_flight_.erase(target);
}

std::string gateway::router_json() {
  std::lock_guard lock(breakers_mutex_);
  auto now = std::chrono::steady_clock::now();
  json::array targets;
  for (const auto& [id, b] : breakers_) {
    json::array transitions;
    for (const auto& t : b.transitions())
      transitions.push_back(
          json::object{{"to", to_string(t.to)},
                       {"why", t.why},
                       {"seconds_ago", std::chrono::duration_cast<std::chrono::seconds>(now - t.at).count()}});
    json::object o{
        {"id", id}, {"state", to_string(b.state(now))}, {"trips", b.trips()}, {"transitions", std::move(transitions)}};
    if (b.state(now) == breaker_state::open)
      o["open_for_s"] = std::chrono::ceil<std::chrono::seconds>(b.open_until() - now).count();
    targets.push_back(std::move(o));
  }
  return json::serialize(json::object{{"targets", std::move(targets)}});
}

std::optional<std::chrono::steady_clock::time_point> gateway::breaker_admit(const std::string& target,
                                                                            const breaker_settings& settings) {
  std::lock_guard lock(breakers_mutex_);
  auto& b = breakers_.try_emplace(target, settings).first->second;
  auto now = std::chrono::steady_clock::now();
  if (b.allow(now)) return std::nullopt;
  return b.open_until();
}

void gateway::breaker_record(const std::string& target, const backends::forward_outcome& outcome) {
  std::lock_guard lock(breakers_mutex_);
  auto it = breakers_.find(target);  // breaker_admit() made it
  if (it == breakers_.end()) return;
  auto& b = it->second;
  auto now = std::chrono::steady_clock::now();
  auto before = b.state(now);
  if (outcome.held && outcome.status == 429) {
    // rate-limited: not broken, but honour the pause it asked for (garbage and absence ignored)
    auto pause = parse_retry_after(outcome.retry_after, std::chrono::system_clock::now());
    if (pause && *pause > duration::zero())
      b.cool_down(now, now + *pause);
    else
      b.on_abandoned();
  } else if (outcome.held || outcome.failure != http::upstream_failure::none) {
    b.on_failure(now, outcome.error);
  } else {
    b.on_success(now);  // including a client's 4xx: the target answered
  }
  if (auto after = b.state(now); after != before)
    spdlog::warn("route target {}: circuit {} ({})", target, to_string(after), b.transitions().back().why);
}

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
    auto states = engine_states(*local_);
    for (const auto& m : *local_->models()) {
      auto state = state_of(states, m.name);
      data.push_back(json::object{{"id", "local/" + m.name},
                                  {"object", "model"},
                                  {"created", m.added},
                                  {"owned_by", "local"},
                                  {"context_length", m.context_length},
                                  {"switchyard", json::object{{"kind", "model"},
                                                              {"backend", "local"},
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
    if (b.backend == "local") continue;  // listed above
    for (const auto& m : b.all())
      data.push_back(
          json::object{{"id", b.backend + "/" + m},
                       {"object", "model"},
                       {"created", created},
                       {"owned_by", b.backend},
                       {"switchyard", json::object{{"kind", "model"}, {"backend", b.backend}, {"upstream_model", m}}}});
  }
  auto res = http::json_response(ex, 200, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}}));
  co_await http::send(ex, res);
}

http::net::awaitable<void> gateway::get_model(const gateway_state& st, http::exchange& ex, std::string_view id) {
  auto snapshot = catalog_.snapshot();
  model_resolver resolver(*st.cfg, *snapshot);
  auto resolved = resolver.resolve(id);
  if (auto* unknown = std::get_if<unknown_model>(&resolved)) {
    co_await http::send_error(ex, 404, unknown->message, "model_not_found");
    co_return;
  }
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

namespace {

// {"model": "name" | "local/name", "force": bool} from an admin request body.
std::optional<std::pair<std::string, bool>> model_and_force(const std::string& body) {
  json::error_code ec;
  auto doc = json::parse(body, ec);
  auto* obj = ec ? nullptr : doc.if_object();
  auto* model = obj ? obj->if_contains("model") : nullptr;
  if (!model || !model->is_string() || model->as_string().empty()) return std::nullopt;
  std::string name(model->as_string());
  if (name.starts_with("local/")) name.erase(0, 6);
  bool force = false;
  if (auto* f = obj->if_contains("force"); f && f->is_bool()) force = f->as_bool();
  return std::pair{name, force};
}

json::object engine_json(const engine::engine_report& e) {
  auto now = std::chrono::system_clock::now();
  json::object o{{"model", e.model},
                 {"id", "local/" + e.model},
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
                                                request_log& log) {
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
    auto states = engine_states(*local_);
    json::array list;
    for (const auto& m : *local_->models()) {
      auto o = store::to_json(m);
      o["state"] = state_of(states, m.name);
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
  } else {
    co_await reply_error(ex, log, 405, fmt::format("{} {} is not supported", std::string(ex.req.method_string()), path),
                         "method_not_allowed");
  }
}

void gateway::finish(const gateway_state& st, const http::exchange& ex, const request_log& log) {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - ex.started).count();
  double first_byte = log.first_byte.time_since_epoch().count() == 0
                          ? -1
                          : std::chrono::duration<double>(log.first_byte - ex.started).count();
  if (log.path.starts_with("/v1/")) metrics_.record_request(log.backend, log.target, log.status, seconds, first_byte);
  if (!st.cfg->server.access_log) return;
  json::object line;
  auto wall = std::chrono::system_clock::now();
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count() % 1000;
  line["ts"] =
      fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(wall)), millis);
  line["request_id"] = ex.request_id;
  line["method"] = std::string(ex.req.method_string());
  line["path"] = log.path.substr(0, 256);
  line["status"] = log.status;
  line["duration_us"] = static_cast<std::int64_t>(seconds * 1e6);
  if (first_byte >= 0) line["first_byte_us"] = static_cast<std::int64_t>(first_byte * 1e6);
  if (!log.requested_model.empty()) {
    line["model"] = log.requested_model;
    line["backend"] = log.backend;
    line["target"] = log.target;
    line["stream"] = log.stream;
  }
  if (log.bytes) line["bytes"] = log.bytes;
  if (log.prompt_tokens >= 0) line["prompt_tokens"] = log.prompt_tokens;
  if (log.completion_tokens >= 0) line["completion_tokens"] = log.completion_tokens;
  if (!log.error.empty()) line["error"] = log.error;
  if (!log.failure.empty()) line["failure"] = log.failure;
  boost::beast::error_code ec;
  auto remote = ex.stream.socket().remote_endpoint(ec);
  if (!ec) line["client"] = remote.address().to_string();
  write_access_log(json::serialize(line));
}

}  // namespace sy
