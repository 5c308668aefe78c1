#include "server/gateway.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "server/client_auth.h"
#include "server/dashboard.h"
#include "server/inbound_anthropic.h"
#include "server/inbound_ollama.h"
#include "server/inbound_responses.h"
#include "server/request_record.h"
#include "store/store_home.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/json_field.h"
#include "backends/openai_compat/openai_answer.h"
#include "core/discovery.h"
#include "core/local_backend_name.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "http/url.h"
#include "router/retry_policy.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

// The target of a request whose model names a model of a backend of `type` (an id, an alias or
// a bare name: not a route, which may fail over to other APIs); nullopt otherwise. Reads only the
// body's "model" and "stream" (a scan, not a parse: most requests are translated, which parses).
// A malformed body that still names such a model is relayed: the upstream refuses it in the
// client's own API.
std::optional<gateway::direct_target> gateway::same_api_target(const std::string& body, const config& cfg,
                                                               const catalog_snapshot& catalog, backend_type type) {
  // (every target the resolver can name is one of cfg.backends or the local engines, which speak
  // OpenAI's API: with no backend of this type, nothing to look for in the body)
  if (std::none_of(cfg.backends.begin(), cfg.backends.end(), [type](const auto& b) { return b.type == type; }))
    return std::nullopt;
  auto name = api::top_level_string(body, "model");
  if (!name || name->empty()) return std::nullopt;
  auto resolved = model_resolver(cfg, catalog).resolve(*name);
  auto* t = std::get_if<resolved_target>(&resolved);
  if (!t || t->route || t->backend->type != type) return std::nullopt;
  // Ollama streams unless told not to; Anthropic only when told to
  auto stream = api::top_level_value(body, "stream");
  bool streams = stream == "true" || (stream != "false" && type == backend_type::ollama);
  return direct_target{name->substr(0, 256), t->backend, t->upstream_model, t->id, streams, t->stats_id()};
}

namespace {

// The ledger's retentions from the configuration.
usage_store_options ledger_options(const observability_config& o) {
  usage_store_options opt;
  opt.requests_retention_ms = o.requests_retention.count();
  opt.max_request_rows = o.requests_max_rows;
  opt.retention_ms = o.usage_retention.count();
  return opt;
}

std::shared_ptr<const gateway_state> build_state(std::shared_ptr<const config> cfg, const gateway_state* previous) {
  auto st = std::make_shared<gateway_state>();
  st->cfg = std::move(cfg);
  {  // every secret of the configuration, masked in captured bodies
    std::vector<std::string> secrets;
    for (const auto& b : st->cfg->backends)
      if (!b.api_key.empty()) secrets.push_back(b.api_key);
    for (const auto& k : st->cfg->server.api_keys) secrets.push_back(k);
    st->secrets = secret_scrubber(std::move(secrets));
  }
  for (const auto& b : st->cfg->backends) {
    // an unchanged backend is reused as it is
    std::shared_ptr<backends::openai_backend> same;
    if (previous)
      for (const auto& old : previous->backends)
        if (old->config().name == b.name && old->config().type == b.type && old->config().url == b.url &&
            old->config().api_key == b.api_key && old->config().models == b.models &&
            old->config().list_models == b.list_models)
          same = old;
    st->backends.push_back(same ? same : std::make_shared<backends::openai_backend>(b, backends::make_dialect(b.type)));
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
    : state_(build_state(cfg, nullptr)), base_cfg_(cfg), tls_(http::make_client_tls_context()), catalog_(*cfg) {
  router_.configure(*cfg);
  router_.set_event_sink(
      [this](std::string_view kind, std::string body) { events_.publish(std::string(kind), std::move(body)); });
  try {
    local_ = std::make_unique<backends::local_backend>(*cfg, process_env(), blocking_);
    // listed before the first request: a client that starts the gateway and asks at once finds them
    catalog_.update_listing(std::string(local_backend_name), local_->refresh(cfg->engine));
    // a local model still loading is warming, one whose engine failed is unhealthy
    router_.set_health_probe([local = local_.get()](std::string_view id) -> std::optional<health_state> {
      auto store_name = local_store_name(id);
      if (!store_name) return std::nullopt;
      auto state = local->supervisor().state_of(*store_name);
      if (!state) return std::nullopt;  // not loaded: it loads on demand
      if (*state == engine::engine_state::starting) return health_state::warming;
      if (*state == engine::engine_state::failed) return health_state::unhealthy;
      return health_state::healthy;
    });
  } catch (const std::exception& e) {
    local_unavailable_ = e.what();
    spdlog::warn("local models are unavailable: {}", local_unavailable_);
  }
  try {
    auto home = store::resolve_home(cfg->models.home, process_env());
    std::filesystem::create_directories(home);
    usage_ = std::make_unique<usage_store>(home + "/usage.db", nullptr, ledger_options(cfg->observability));
  } catch (const std::exception& e) {
    spdlog::warn("usage will not be recorded: {}", e.what());
  }
  sinks_.push_back(std::make_unique<metrics_sink>(metrics_));
  if (usage_) sinks_.push_back(std::make_unique<usage_sink>(*usage_));
  sinks_.push_back(std::make_unique<event_sink>(events_));
  sinks_.push_back(std::make_unique<access_log_sink>([this] { return state()->cfg->server.access_log; }));
}

gateway::~gateway() = default;

void gateway::begin_shutdown() {
  events_.close();
  stop_background();  // while the workers still run: the tasks' frames end on them
}

void gateway::shutdown() {
  shutting_down_ = true;
  events_.close();
  stop_background();  // a no-op when begin_shutdown() stopped them
  // the tasks' timers and the pools' sockets live on the workers' io_contexts: they go now,
  // before the server destroys those
  refresh_.reset();
  health_.reset();
  discovery_.reset();
  pool_sweeps_.clear();
  if (local_) local_->join();  // (engine loads that jobs wait for end now)
  blocking_.join();
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
      was.allowed_hosts != now.allowed_hosts || was.allowed_origins != now.allowed_origins)
    notes.push_back(
        "server listener settings (listen, threads, limits, timeouts, allowed_hosts, allowed_origins) apply after a "
        "restart");
  catalog_.reconfigure(*next);
  if (local_) local_->reconfigure(*next);
  if (usage_) usage_->set_retention(ledger_options(next->observability));
  router_.configure(*next);  // breakers restart only when their settings changed
  if (server_)
    for (unsigned i = 0; i < pools_.size(); ++i) {
      auto* pool = pools_[i].get();
      http::net::post(server_->worker_context(i), [pool, upstream = next->upstream] { pool->set_config(upstream); });
    }
  {
    std::lock_guard lock(state_mutex_);
    state_ = std::move(fresh);
  }
  if (refresh_) refresh_->wake();  // list the new backends' models now
  return notes;
}

void gateway::set_config_source(std::function<std::shared_ptr<const config>()> source) {
  config_source_ = std::move(source);
}

std::vector<std::string> gateway::reload_with_discoveries(std::shared_ptr<const config> base) {
  std::shared_ptr<const config> next;
  {
    std::lock_guard lock(state_mutex_);
    if (!base) base = base_cfg_;
    next = found_.empty() ? base : std::make_shared<const config>(with_discovered(*base, found_));
  }
  auto notes = reload(next);  // throws config_error: the running state and its base stay
  std::lock_guard lock(state_mutex_);
  base_cfg_ = std::move(base);
  return notes;
}

std::string gateway::reload_from_source(std::string_view trigger) {
  if (!config_source_) return "this gateway has no configuration source to reload from";
  // one at a time: a SIGHUP and the file watcher often see the same edit, and the second then
  // finds the file unchanged
  std::lock_guard one_at_a_time(reload_mutex_);
  try {
    auto next = config_source_();
    // an editor or a script that truncates the file and then writes it can be caught in
    // between: an empty file is read again a few times (a write takes microseconds), and never
    // replaces a configuration that has content
    for (int again = 0; again < 3 && next->source_blank; ++again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      next = config_source_();
    }
    if (next->source_blank) {
      std::lock_guard lock(state_mutex_);
      if (base_cfg_ && !base_cfg_->source_blank && base_cfg_->source_digest != 0)
        throw config_error(next->source, 0,
                           "the file is empty (caught while being written?); an empty configuration is not "
                           "applied over a running one: restart the gateway to run with the defaults");
    }
    if (next->source_digest != 0) {
      std::lock_guard lock(state_mutex_);
      if (base_cfg_ && base_cfg_->source_digest == next->source_digest) {
        spdlog::info("configuration reload ({}): {} is unchanged; listing the backends' models again", trigger,
                     next->source);
        if (refresh_) refresh_->wake();
        return {};
      }
    }
    auto notes = reload_with_discoveries(next);
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

http::net::awaitable<void> gateway::refuse_unauthenticated(http::exchange& ex, request_record& log) {
  log.status = 401;
  log.error = "missing or invalid API key";
  auto res =
      http::json_response(ex, 401,
                          http::error_body(ex, 401, "missing or invalid API key: send 'Authorization: Bearer <key>'",
                                           "authentication_error", "invalid_api_key"));
  res.set("WWW-Authenticate", "Bearer");
  co_await http::send(ex, res);
}

http::net::awaitable<void> gateway::reply_error(http::exchange& ex, request_record& log, unsigned status,
                                                std::string message, std::string_view code) {
  log.status = status;
  log.error = message;
  co_await http::send_error(ex, status, log.error, code);
}

http::net::awaitable<void> gateway::handle(http::exchange& ex) {
  auto st = state();  // this request's configuration, to its end
  request_record log;
  std::string_view target = ex.req.target();
  log.path = std::string(target.substr(0, target.find('?')));
  const auto method = ex.req.method();
  const std::string& path = log.path;

  const auto found = match_route(path, method);
  if (!found.found) {
    co_await answer(route_id::not_found, *st, ex, log);  // outside the API: no key asked
    finish(ex, log);
    co_return;
  }
  const route& r = *found.found;
  if (r.errors == route_errors::anthropic) ex.error_format = &anthropic_error_format;
  if (r.errors == route_errors::ollama) ex.error_format = &ollama_error_format;

  std::optional<std::string> key;
  if (r.auth == route_auth::key || r.auth == route_auth::admin) {
    key = presented_key(*st->cfg, ex.fields);
    if (key) log.client = client_identity(*st->cfg, *key, ex);
  } else if (r.auth == route_auth::metrics && st->cfg->server.metrics_auth) {
    key = presented_key(*st->cfg, ex.fields);
  } else {
    key = std::string();  // nothing to present
  }
  if (!key) {
    co_await refuse_unauthenticated(ex, log);
  } else if (r.auth == route_auth::admin && !may_administer(*st->cfg, *key)) {
    co_await reply_error(ex, log, 403,
                         "this key may call the model APIs only: the admin API and the dashboard need a key with "
                         "role: admin (server.api_keys)",
                         "permission_denied");
  } else if (r.json_body && !body_is_json(ex.req, ex.fields.content_type)) {
    co_await reply_error(ex, log, 415,
                         "send the request body as JSON, with 'Content-Type: application/json' (got '" +
                             std::string(ex.fields.content_type.substr(0, 64)) + "')",
                         "unsupported_media_type");
  } else if (!found.method_allowed) {
    co_await reply_error(ex, log, 405, fmt::format("use {} for {}", allowed_method(r), path), "method_not_allowed");
  } else if (auto refused = r.rate_limited ? key_limits_.admit(log.client, limit_for(*st->cfg, *key)) : std::nullopt) {
    log.status = 429;
    log.error = fmt::format("rate limit: {} {} per minute", refused->limit, refused->what);
    auto res = http::json_response(
        ex, 429,
        http::error_body(ex, 429,
                         fmt::format("rate limit exceeded: this key may use {} {} per minute; retry in {} s",
                                     refused->limit, refused->what, refused->retry_after.count()),
                         "rate_limit_error", "rate_limit_exceeded"));
    res.set("Retry-After", std::to_string(refused->retry_after.count()));
    co_await http::send(ex, res);
  } else if (r.rate_limited && st->cfg->observability.capture_bodies) {
    // (the inference endpoints) observability.capture_bodies: this request's body, and the
    // bodies it is sent, for the request log
    const auto limit = st->cfg->observability.capture_max_bytes;
    log.captured = true;
    log.request_body = ex.req.body().substr(0, limit);
    ex.capture = &log.response_body;
    ex.capture_limit = limit;
    struct release {
      http::exchange& ex;
      ~release() { ex.capture = nullptr; }  // also when answer() throws: the server may still reply
    } released{ex};
    co_await answer(r.id, *st, ex, log);
    log.request_body = st->secrets.scrub(std::move(log.request_body));
    log.response_body = st->secrets.scrub(std::move(log.response_body));
  } else {
    co_await answer(r.id, *st, ex, log);
  }
  finish(ex, log);
}

http::net::awaitable<void> gateway::answer(route_id id, const gateway_state& st, http::exchange& ex,
                                           request_record& log) {
  const std::string& path = log.path;
  switch (id) {
    case route_id::dashboard: co_await dashboard_file(ex, log); break;
    case route_id::root: {
      if (dashboard::wants_html(ex.fields.accept)) {  // a browser: the dashboard
        co_await dashboard_file(ex, log);
        break;
      }
      log.status = 200;
      auto res = http::json_response(ex, 200, "Switchyard is running (Ollama-compatible API under /api)");
      res.set("Content-Type", "text/plain; charset=utf-8");
      co_await http::send(ex, res);
      break;
    }
    case route_id::health: {
      log.status = 200;
      auto res = http::json_response(ex, 200, R"({"status":"ok"})");
      co_await http::send(ex, res);
      break;
    }
    case route_id::metrics: {
      log.status = 200;
      auto res = http::json_response(ex, 200, metrics_text());
      res.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      co_await http::send(ex, res);
      break;
    }
    case route_id::config_reload: {
      if (auto problem = reload_from_source("POST /api/config/reload"); !problem.empty()) {
        co_await reply_error(ex, log, 400, "configuration refused, the running one stays: " + problem,
                             "invalid_config");
      } else {
        log.status = 200;
        auto res = http::json_response(ex, 200, R"({"status":"reloaded"})");
        co_await http::send(ex, res);
      }
      break;
    }
    case route_id::config: co_await config_api(st, ex, log); break;
    case route_id::backends: co_await backends_api(st, ex, log); break;
    case route_id::router: {
      log.status = 200;
      // ?history=<target id>: that target's latency per minute over the last hour as well
      auto history = http::query_param(ex.req.target(), "history");
      auto res = http::json_response(ex, 200, router_.to_json(*st.cfg, history));
      co_await http::send(ex, res);
      break;
    }
    case route_id::usage:
    case route_id::requests:
    case route_id::request_bodies: co_await ledger_api(ex, log, id); break;
    case route_id::events: co_await events_api(ex, log); break;
    case route_id::hub: co_await hub_api(ex, path, log); break;
    case route_id::engines: co_await engines_api(st, ex, path, log); break;
    case route_id::model_list:
      log.status = 200;
      co_await list_models(st, ex);
      break;
    case route_id::model_get: co_await get_model(st, ex, std::string_view(path).substr(11), log); break;
    case route_id::ollama: co_await ollama_api(st, ex, path, log); break;
    case route_id::openai_inference: {
      const auto upstream_path = std::string_view(path).substr(3);
      if (upstream_path != "/chat/completions") {
        co_await proxy(st, ex, upstream_path, log);
        break;
      }
      // relayed to OpenAI-compatible targets; decoded only when a target of another wire is tried
      chat_call call{backend_type::openai,
                     std::string(upstream_path),
                     &ex.req.body(),
                     nullptr,
                     std::nullopt,
                     []() -> std::unique_ptr<backends::answer_encoder> {
                       return std::make_unique<backends::openai_answer_encoder>();
                     }};
      co_await proxy(st, ex, upstream_path, log, nullptr, &call);
      break;
    }
    case route_id::responses: co_await responses(st, ex, log); break;
    case route_id::messages: co_await messages(st, ex, log); break;
    case route_id::count_tokens: co_await count_tokens(st, ex, log); break;
    case route_id::not_found:
      co_await reply_error(ex, log, 404,
                           fmt::format("no such endpoint: {} {}", std::string(ex.req.method_string()), path),
                           "unknown_endpoint");
      break;
  }
}

namespace {

// How a send ended, for the router's statistics and breakers.
attempt_result classify(const backends::forward_outcome& o, std::chrono::steady_clock::time_point began) {
  attempt_result r;
  r.status = o.status;
  r.error = o.error;
  auto now = std::chrono::steady_clock::now();
  if (o.first_byte.time_since_epoch().count() != 0) r.ttft = o.first_byte - began;
  // a 429, or a 503 that says when to come back (Retry-After): a cooldown, not a breakdown
  auto retry_after =
      o.retry_after.empty() ? std::nullopt : parse_retry_after(o.retry_after, std::chrono::system_clock::now());
  if (o.status == 429 || (o.held && retry_after)) {
    r.what = attempt_result::kind::rate_limited;
    r.retry_after = retry_after;
  } else if (o.held && o.context_overflow) {
    r.what = attempt_result::kind::not_counted;
  } else if (o.held || o.failure != http::upstream_failure::none || o.status >= 500) {
    r.what = attempt_result::kind::failure;
  } else {
    r.what = attempt_result::kind::success;
    if (o.complete) r.total = now - began;
  }
  return r;
}

}  // namespace

// One candidate of a request's plan: a target, and the route whose settings (limits,
// deadlines) apply to it.
std::optional<backends::upstream_send> gateway::outbound_for(http::exchange& ex, std::string_view path,
                                                             const plan_entry& a, chat_call* chat,
                                                             backends::forward_outcome& outcome) {
  const auto& model = a.target.upstream_model;
  if (!chat)
    return backends::relayed_request{std::string(path), api::replace_top_level_string(ex.req.body(), "model", model)};
  if (chat->wire && a.target.backend->type == *chat->wire)  // the client's own API: its bytes
    return backends::relayed_request{chat->path, api::replace_top_level_string(*chat->body, "model", model)};
  const api::chat_request* request = chat->request;
  if (!request && !chat->decoded) {  // an OpenAI client's first target of another wire
    auto parsed = api::parse_openai_request(*chat->body);
    if (auto* err = std::get_if<api::api_error>(&parsed)) {
      outcome = {};
      outcome.status = err->status;
      outcome.error = err->message;
      return std::nullopt;
    }
    chat->decoded = std::move(std::get<api::chat_request>(parsed));
  }
  if (!request) request = &*chat->decoded;
  return backends::canonical_chat{request, model, chat->make_encoder()};
}

http::net::awaitable<void> gateway::send_to(const gateway_state& st, http::exchange& ex, std::string_view path,
                                            plan_entry& a, backends::forward_options fo,
                                            backends::forward_outcome& outcome, chat_call* chat) {
  auto outbound = outbound_for(ex, path, a, chat, outcome);
  if (!outbound) {
    co_await http::send_error(ex, outcome.status, outcome.error, "invalid_request");
    co_return;
  }
  auto* up = upstream_of(st, *a.target.backend);
  if (!up) {  // the store could not be opened, or a reload took the backend away
    const bool local = a.target.backend == &local_backend_config();
    outcome = {};
    outcome.status = local ? 503 : 502;
    outcome.error = local ? "local models are unavailable: " + local_unavailable_
                          : "backend '" + a.target.backend->name + "' is not available";
    outcome.held = fo.hold_failures;
    if (!outcome.held)
      co_await http::send_error(ex, outcome.status, outcome.error, local ? "local_unavailable" : "upstream_error");
    co_return;
  }
  outcome = co_await up->send(*st.cfg, ex, *pools_[ex.worker], std::move(*outbound), a.target.upstream_model,
                              a.target.id, fo);
}

backends::upstream* gateway::upstream_of(const gateway_state& st, const backend_config& backend) const {
  if (&backend == &local_backend_config()) return local_.get();
  return st.backend(backend.name);
}

http::net::awaitable<void> gateway::messages(const gateway_state& st, http::exchange& ex, request_record& log) {
  // Same API on both sides: a model named directly or by an alias (no route: nothing to fail
  // over to) on an Anthropic backend gets the client's bytes, only the model renamed, and its
  // answer as it is: cache_control, documents and every other Anthropic field intact.
  if (auto direct = same_api_target(ex.req.body(), *st.cfg, *catalog_.snapshot(), backend_type::anthropic)) {
    co_await relay_same_api(st, ex, log, *direct, "/messages");
    co_return;
  }
  auto decoded = read_anthropic_chat(ex.req.body());
  if (auto* err = std::get_if<api::api_error>(&decoded)) {
    co_await reply_error(ex, log, err->status, err->message, "invalid_request");
    co_return;
  }
  auto& t = std::get<decoded_chat>(decoded);
  // the client's bytes for Anthropic targets; the canonical request for the others
  chat_call call{backend_type::anthropic,
                 "/messages",
                 &ex.req.body(),
                 &t.request,
                 std::move(t.untranslatable),
                 [model = t.model]() -> std::unique_ptr<backends::answer_encoder> {
                   return std::make_unique<anthropic_answer_encoder>(model);
                 }};
  const auto view = routing_view_of(t.request, "/chat/completions");  // refers to t.request, alive to the end
  co_await proxy(st, ex, "/chat/completions", log, nullptr, &call, &view);
}

http::net::awaitable<void> gateway::count_tokens(const gateway_state& st, http::exchange& ex, request_record& log) {
  auto read = read_count_tokens_request(ex.req.body());
  if (auto* err = std::get_if<api::api_error>(&read)) {
    co_await reply_error(ex, log, err->status, err->message, "invalid_request");
    co_return;
  }
  auto& count = std::get<count_tokens_request>(read);
  log.requested_model = count.model;
  auto snapshot = catalog_.snapshot();
  auto resolved = model_resolver(*st.cfg, *snapshot, [this](const route_config& r) {
                    return router_.order(r, 0);
                  }).resolve(count.model);
  if (auto* unknown = std::get_if<unknown_model>(&resolved)) {
    co_await reply_error(ex, log, 404, unknown->message, "model_not_found");
    co_return;
  }
  auto& target = std::get<resolved_target>(resolved);
  log.backend = target.backend->name;
  log.target = target.id;
  log.stats_target = target.stats_id();
  if (target.backend->name == local_backend_name) {
    // the engine counts: a chat for one token, its usage's input tokens are the answer
    count.counting_chat.model = target.id;
    chat_call call{std::nullopt,
                   {},
                   nullptr,
                   &count.counting_chat,
                   std::nullopt,
                   []() -> std::unique_ptr<backends::answer_encoder> { return std::make_unique<token_count_encoder>(); }};
    const auto view = routing_view_of(count.counting_chat, "/chat/completions");
    co_await proxy(st, ex, "/chat/completions", log, nullptr, &call, &view);
    co_return;
  }
  auto* b = st.backend(target.backend->name);
  if (!b || b->config().type != backend_type::anthropic) {
    auto message = fmt::format("'{}' ({}) cannot count tokens: counting needs a local model or an Anthropic backend",
                               count.model, target.id);
    co_await reply_error(ex, log, 400, message, "count_tokens_unsupported");
    co_return;
  }
  auto body = api::replace_top_level_string(count.anthropic_body, "model", target.upstream_model);
  auto outcome = co_await b->forward(ex, *pools_[ex.worker],
                                     backends::relayed_request{"/messages/count_tokens", std::move(body)}, target.id);
  record_outcome(log, outcome);
}

// POST /v1/responses: refusals name the feature in OpenAI's `param`; then as messages().
http::net::awaitable<void> gateway::responses(const gateway_state& st, http::exchange& ex, request_record& log) {
  auto decoded = read_responses_chat(ex.req.body());
  if (auto* err = std::get_if<api::api_error>(&decoded)) {
    log.status = err->status;
    log.error = err->message;
    auto res = http::json_response(ex, err->status, api::write_openai_error(*err));
    co_await http::send(ex, res);
    co_return;
  }
  auto& t = std::get<decoded_responses_chat>(decoded);
  // no upstream speaks Responses: every target gets the canonical request
  chat_call call{std::nullopt,
                 {},
                 nullptr,
                 &t.chat.request,
                 std::nullopt,
                 [model = t.chat.model, echo = std::move(t.echo)]() -> std::unique_ptr<backends::answer_encoder> {
                   return std::make_unique<responses_answer_encoder>(model, echo);
                 }};
  const auto view = routing_view_of(t.chat.request, "/chat/completions");  // refers to t.chat, alive to the end
  co_await proxy(st, ex, "/chat/completions", log, nullptr, &call, &view);
}

http::net::awaitable<void> gateway::proxy(const gateway_state& st, http::exchange& ex, std::string_view path,
                                          request_record& log, const translator_factory* make_translator,
                                          chat_call* chat, const routing_view* view) {
  auto snapshot = catalog_.snapshot();
  auto order = [this](const route_config& r, std::uint64_t key) { return router_.order(r, key); };
  auto routed = view ? route_view(*view, *st.cfg, *snapshot, ex.fields.session_id, order)
                     : route_request(ex.req.body(), path, *st.cfg, *snapshot, ex.fields.session_id, order);
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
  const route_config* route = r.target.route;
  if (route) log.route = route->model;
  const bool guarded = route != nullptr;  // a route's targets have breakers; a direct id is asked as it is

  // The plan: the route's targets in the strategy's order, then its fallbacks; without the
  // targets known to lack what the request needs (with none left, a 400 says why).
  auto planned = plan_request(std::move(r.target), r.needs, log.requested_model, *st.cfg, *snapshot,
                              [this](const route_config& fr) { return router_.order(fr, 0); });
  if (auto* why = std::get_if<std::string>(&planned)) {
    log.status = 400;
    log.error = std::move(*why);
    co_await http::send_error(ex, 400, log.error, "unsupported_capability");
    co_return;
  }
  auto plan = std::move(std::get<std::vector<plan_entry>>(planned));

  retry_policy policy(
      plan.size(), guarded, st.cfg->router.retry, [] { return std::chrono::steady_clock::now(); },
      [](std::int64_t max) {
        thread_local std::minstd_rand rng{std::random_device{}()};
        return std::uniform_int_distribution<std::int64_t>(0, max)(rng);
      });
  if (guarded) router_.on_request();
  std::string attempts;  // "id: why; " of the targets that failed before answering
  bool saturated = false, other_failures = false, untranslatable = false;

  // Failover: a failure before the first byte reached the client (unreachable, timeout, 5xx, 429,
  // an engine that cannot load, a full queue) moves on to the next candidate; when none is left,
  // one answer names every attempt.
  backends::forward_outcome outcome;
  outcome.held = true;
  outcome.status = 502;
  while (auto index = policy.next()) {
    auto& a = plan[*index];
    const auto& id = a.target.id;
    log.backend = a.target.backend->name;
    log.target = id;
    const auto stats_id = a.target.stats_id();  // the router's and the metrics' name for it
    log.stats_target = stats_id;
    const auto settings = settings_in(a.route, id);
    const auto* timeouts = a.route ? &a.route->timeouts : nullptr;
    if (timeouts) policy.limit_total(ex.started, timeouts->total);
    // the client's own bytes for a target of its API; the translation for the others, if any
    const bool native_target = chat && chat->wire && a.target.backend->type == *chat->wire;
    if (chat && !native_target && chat->untranslatable) {  // not sent: the outcome stays the last real one
      untranslatable = true;
      attempts += id + ": " + chat->untranslatable->message + "; ";
      continue;
    }

    if (policy.is_retry()) {
      if (!router_.try_retry()) {
        attempts += "(retry budget exhausted; no more attempts); ";
        break;
      }
      if (auto wait = policy.backoff(); wait > duration::zero()) {  // this target failed already
        http::net::steady_timer pause(co_await http::net::this_coro::executor, wait);
        co_await pause.async_wait(http::net::as_tuple(http::net::use_awaitable));
      }
    }
    if (policy.deadline_passed()) {
      outcome = {};
      outcome.held = true;
      outcome.status = 504;
      outcome.error = "the route's total deadline passed before a target answered";
      attempts += id + ": " + outcome.error + "; ";
      break;
    }

    // admission: a place under the target's concurrency limit, waiting in a bounded queue; the
    // place is left when `place` goes (at the end of this step, however it ends)
    target_gate::slot place;
    if (settings.max_concurrency > 0 && a.route) {
      auto& gate = router_.gate(a.route->model, id);
      auto verdict = co_await gate.enter(settings.max_concurrency, settings.max_queue, settings.queue_timeout);
      if (verdict != target_gate::verdict::admitted) {
        outcome = {};
        outcome.held = true;
        outcome.status = 429;
        outcome.retry_after = "1";
        outcome.error =
            verdict == target_gate::verdict::full
                ? fmt::format("saturated ({} in flight, {} waiting)", settings.max_concurrency, settings.max_queue)
                : "saturated (no place within " + format_duration(settings.queue_timeout) + ")";
        saturated = true;
        attempts += id + ": " + outcome.error + "; ";
        continue;
      }
      place = target_gate::slot(gate);
    }
    if (auto open_until = router_.admit(stats_id, guarded)) {  // skipped without a request: it failed too often lately
      auto left = std::chrono::ceil<std::chrono::seconds>(*open_until - std::chrono::steady_clock::now()).count();
      outcome = {};
      outcome.status = 503;
      outcome.held = true;
      outcome.retry_after = std::to_string(std::max<long long>(left, 1));
      outcome.error = "circuit open for another " + outcome.retry_after + " s";
      attempts += id + ": " + outcome.error + "; ";
      other_failures = true;
      continue;
    }

    backends::forward_options fo;
    // a route answers its targets' failures itself, naming every attempt (a single target without
    // retries lets the backend's own error through)
    fo.hold_failures = guarded && (plan.size() > 1 || policy.max_sends() > 1);
    fo.hold_context_overflow = fo.hold_failures;
    if (timeouts) {
      fo.timeouts.connect = timeouts->connect;
      fo.timeouts.first_byte = timeouts->first_token;
      fo.timeouts.idle = timeouts->idle;
    }
    fo.timeouts.deadline = policy.deadline();
    // fresh state for each send
    auto translator = make_translator ? (*make_translator)() : nullptr;  // (chats: the encoder, in send_to)
    fo.translate = translator.get();
    policy.sent();
    auto began = std::chrono::steady_clock::now();
    {
      gateway_metrics::in_flight_guard in_flight(metrics_, log.backend);
      router_state::attempt_guard attempt(router_, stats_id, guarded);
      co_await send_to(st, ex, path, a, fo, outcome, chat);
      attempt.finish(classify(outcome, began));
    }
    place.release();
    if (outcome.failure != http::upstream_failure::none)
      metrics_.record_upstream_error(log.backend, http::to_string(outcome.failure));
    if (!outcome.held) break;
    other_failures = true;
    attempts += id + ": " + outcome.error + "; ";
    if (auto next = policy.following())
      spdlog::warn("request {}: {} failed before answering ({}); trying {}", ex.request_id, id, outcome.error,
                   plan[*next].target.id);
  }
  if (outcome.held && untranslatable && !saturated && !other_failures) {
    // no target of the client's API, and the others cannot take what it sent
    log.status = 400;
    log.error = chat->untranslatable->message;
    co_await http::send_error(ex, 400, log.error, "untranslatable");
    co_return;
  }
  if (outcome.held) {                    // nothing reached the client: one answer names every attempt
    if (saturated && !other_failures) {  // only full queues: the client should come back shortly
      outcome.status = 429;
      outcome.retry_after = "1";
    }
    auto what = plan.size() > 1 ? "every target of '" + log.requested_model + "' failed: "
                                : "'" + log.requested_model + "' failed: ";
    auto message = what + attempts.substr(0, attempts.size() >= 2 ? attempts.size() - 2 : 0);
    auto code = outcome.status == 429   ? "rate_limited"
                : outcome.status == 400 ? "context_length_exceeded"
                                        : "all_targets_failed";
    auto res =
        http::json_response(ex, outcome.status,
                            http::error_body(ex, outcome.status, message,
                                             outcome.status == 429 ? "rate_limit_error" : "upstream_error", code));
    if (!outcome.retry_after.empty()) res.set("Retry-After", outcome.retry_after);
    res.set("x-switchyard-backend", log.backend);
    res.set("x-switchyard-model", log.target);
    co_await http::send(ex, res);
    outcome.error = std::move(message);
  }
  record_outcome(log, outcome);
  if (!attempts.empty()) log.attempts = attempts.substr(0, attempts.size() - 2);
  if (!attempts.empty() && outcome.status < 400) log.error = "failed over: " + log.attempts;
}

http::net::awaitable<void> gateway::relay_same_api(const gateway_state& st, http::exchange& ex, request_record& log,
                                                   const direct_target& direct, std::string_view path) {
  log.requested_model = direct.requested;
  log.backend = direct.backend->name;
  log.target = direct.id;
  log.stats_target = direct.stats_id;
  log.stream = direct.stream;
  auto* b = st.backend(direct.backend->name);
  if (!b) {
    co_await reply_error(ex, log, 502, "backend '" + direct.backend->name + "' is not available", "upstream_error");
    co_return;
  }
  backends::relayed_request request{std::string(path),
                                    api::replace_top_level_string(ex.req.body(), "model", direct.upstream_model)};
  auto outcome = co_await b->forward(ex, *pools_[ex.worker], std::move(request), direct.id);
  record_outcome(log, outcome);
}

void gateway::record_outcome(request_record& log, const backends::forward_outcome& outcome) {
  log.status = outcome.status;
  log.error = outcome.error;
  log.bytes = outcome.response_bytes;
  log.first_byte = outcome.first_byte;
  log.prompt_tokens = outcome.prompt_tokens;
  log.completion_tokens = outcome.completion_tokens;
  log.cached_tokens = outcome.cached_tokens;
  log.complete = outcome.complete && !outcome.held;
  // a stream cut short without a usage block: what it produced, one token per content event
  if (log.completion_tokens < 0 && outcome.stream_chunks > 0) log.completion_tokens = outcome.stream_chunks;
  if (outcome.failure != http::upstream_failure::none) log.failure = http::to_string(outcome.failure);
  if (log.prompt_tokens > 0 || log.completion_tokens > 0)
    metrics_.record_tokens(log.backend, log.stats_target, std::max<std::int64_t>(log.prompt_tokens, 0),
                           std::max<std::int64_t>(log.completion_tokens, 0));
}

http::net::awaitable<void> gateway::dashboard_file(http::exchange& ex, request_record& log) {
  http::reply res;
  if (dashboard::assets().empty()) {
    res = dashboard::not_built();
  } else if (const auto* file = dashboard::find(log.path)) {
    res = dashboard::serve(*file, ex.req[bhttp::field::accept_encoding], ex.req[bhttp::field::if_none_match]);
  } else {
    res.status = 404;
    dashboard::add_security_headers(res);
    res.set("Content-Type", "text/plain; charset=utf-8");
    res.body = "no such file in the dashboard";
  }
  log.status = res.status;
  co_await http::send(ex, res);
}

}  // namespace sy
