#include "server/gateway.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log.h"
#include "core/secret.h"
#include "core/version.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "api/json_field.h"
#include "router/model_resolver.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

// What the access log and metrics learn about one request as it is handled.
struct gateway::request_log {
  std::string path;
  std::string requested_model;
  std::string backend = "none";
  std::string target = "none";
  unsigned status = 0;
  bool stream = false;
  std::string error;
  std::string failure;
  std::int64_t prompt_tokens = -1, completion_tokens = -1;
  std::uint64_t bytes = 0;
  std::chrono::steady_clock::time_point first_byte{};
};

gateway::gateway(std::shared_ptr<const config> cfg)
    : cfg_(std::move(cfg)), tls_(http::make_client_tls_context()), catalog_(*cfg_) {
  for (const auto& b : cfg_->backends) backends_.push_back(std::make_unique<backends::openai_backend>(b));
}

gateway::~gateway() = default;

void gateway::attach(http::server& srv) {
  pools_.clear();
  for (unsigned i = 0; i < srv.worker_count(); ++i)
    pools_.push_back(std::make_unique<http::upstream_pool>(srv.worker_context(i), *tls_, cfg_->upstream));
}

backends::openai_backend* gateway::backend(std::string_view name) {
  for (auto& b : backends_)
    if (b->config().name == name) return b.get();
  return nullptr;
}

void gateway::start_model_refresh(http::server& srv) {
  if (backends_.empty()) return;
  auto& ctx = srv.worker_context(0);
  http::net::co_spawn(
      ctx,
      [this, &ctx]() -> http::net::awaitable<void> {
        http::net::steady_timer timer(ctx);
        for (;;) {
          for (auto& b : backends_) {
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
          timer.expires_after(cfg_->upstream.models_refresh);
          co_await timer.async_wait(http::net::use_awaitable);
        }
      },
      http::net::detached);
}

bool gateway::authorized(const http::exchange& ex) const {
  const auto& keys = cfg_->server.api_keys;
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

http::net::awaitable<void> gateway::handle(http::exchange& ex) {
  request_log log;
  std::string_view target = ex.req.target();
  log.path = std::string(target.substr(0, target.find('?')));
  const auto method = ex.req.method();
  const std::string& path = log.path;

  auto reply_error = [&](unsigned status, std::string message, std::string_view code) -> http::net::awaitable<void> {
    log.status = status;
    log.error = message;
    co_await http::send_error(ex, status, message, code);
  };

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
    });
    auto res = http::json_response(ex, 200, std::move(body));
    res.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    co_await http::send(ex, res);
  } else if (path.starts_with("/v1/")) {
    if (!authorized(ex)) {
      log.status = 401;
      log.error = "missing or invalid API key";
      auto res = http::json_response(ex, 401,
                                     http::error_body("missing or invalid API key: send 'Authorization: Bearer <key>'",
                                                      "authentication_error", "invalid_api_key"));
      res.set("WWW-Authenticate", "Bearer");
      co_await http::send(ex, res);
    } else if (path == "/v1/models") {
      if (method != bhttp::verb::get)
        co_await reply_error(405, "use GET for /v1/models", "method_not_allowed");
      else {
        log.status = 200;
        co_await list_models(ex);
      }
    } else if (path.starts_with("/v1/models/") && method == bhttp::verb::get) {
      co_await get_model(ex, std::string_view(path).substr(11));
      log.status = 200;
    } else if (path == "/v1/chat/completions" || path == "/v1/completions" || path == "/v1/embeddings") {
      if (method != bhttp::verb::post)
        co_await reply_error(405, "use POST for " + path, "method_not_allowed");
      else
        co_await proxy(ex, std::string_view(path).substr(3), log);
    } else {
      co_await reply_error(404, fmt::format("no such endpoint: {} {}", std::string(ex.req.method_string()), path),
                           "unknown_endpoint");
    }
  } else {
    co_await reply_error(404, fmt::format("no such endpoint: {} {}", std::string(ex.req.method_string()), path),
                         "unknown_endpoint");
  }
  finish(ex, log);
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
std::variant<routed_request, request_error> route_request(const std::string& body, const config& cfg,
                                                          const catalog_snapshot& catalog) {
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
  auto resolved = model_resolver(cfg, catalog).resolve(name);
  if (auto* unknown = std::get_if<unknown_model>(&resolved))
    return request_error{404, std::move(unknown->message), "model_not_found", std::move(out.requested_model)};
  out.target = std::move(std::get<resolved_target>(resolved));
  out.outbound_body = api::replace_top_level_string(body, "model", out.target.upstream_model);
  return out;
}

}  // namespace

http::net::awaitable<void> gateway::proxy(http::exchange& ex, std::string_view path, request_log& log) {
  auto routed = route_request(ex.req.body(), *cfg_, *catalog_.snapshot());
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
  log.backend = r.target.backend->name;
  log.target = r.target.id;
  auto* b = backend(r.target.backend->name);
  std::string outbound = std::move(r.outbound_body);

  metrics_.in_flight_add(log.backend, 1);
  auto outcome = co_await b->forward(ex, *pools_[ex.worker], path, std::move(outbound), r.target.id);
  metrics_.in_flight_add(log.backend, -1);
  log.status = outcome.status;
  log.error = outcome.error;
  log.bytes = outcome.response_bytes;
  log.first_byte = outcome.first_byte;
  log.prompt_tokens = outcome.prompt_tokens;
  log.completion_tokens = outcome.completion_tokens;
  if (outcome.failure != http::upstream_failure::none) {
    log.failure = http::to_string(outcome.failure);
    metrics_.record_upstream_error(log.backend, log.failure);
  }
  if (outcome.prompt_tokens > 0 || outcome.completion_tokens > 0)
    metrics_.record_tokens(log.backend, log.target, outcome.prompt_tokens, outcome.completion_tokens);
}

http::net::awaitable<void> gateway::list_models(http::exchange& ex) {
  auto snapshot = catalog_.snapshot();
  auto created = std::chrono::duration_cast<std::chrono::seconds>(started_.time_since_epoch()).count();
  json::array data;
  for (const auto& [alias, target] : cfg_->aliases)
    data.push_back(json::object{{"id", alias},
                                {"object", "model"},
                                {"created", created},
                                {"owned_by", "switchyard"},
                                {"switchyard", json::object{{"kind", "alias"}, {"target", target}}}});
  for (const auto& r : cfg_->routes) {
    json::array targets;
    for (const auto& t : r.targets) targets.push_back(json::string(t));
    data.push_back(json::object{{"id", r.model},
                                {"object", "model"},
                                {"created", created},
                                {"owned_by", "switchyard"},
                                {"switchyard", json::object{{"kind", "route"}, {"targets", std::move(targets)}}}});
  }
  for (const auto& b : snapshot->backends) {
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

http::net::awaitable<void> gateway::get_model(http::exchange& ex, std::string_view id) {
  auto snapshot = catalog_.snapshot();
  model_resolver resolver(*cfg_, *snapshot);
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

void gateway::finish(const http::exchange& ex, const request_log& log) {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - ex.started).count();
  double first_byte = log.first_byte.time_since_epoch().count() == 0
                          ? -1
                          : std::chrono::duration<double>(log.first_byte - ex.started).count();
  if (log.path.starts_with("/v1/")) metrics_.record_request(log.backend, log.target, log.status, seconds, first_byte);
  if (!cfg_->server.access_log) return;
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
