// The hub part of the admin API: search Hugging Face, and pull a model into the store with
// progress as server-sent events. The hub client is blocking: it runs on the local backend's
// blocking pool, and a pull reports to the connection's coroutine through a small queue.
#include <charconv>
#include <deque>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include "core/local_backend_name.h"
#include "http/error_body.h"
#include "http/event_stream.h"
#include "http/pch.h"
#include "hub/hub_api.h"
#include "hub/hub_error.h"
#include "hub/model_inspection.h"
#include "hub/model_pull.h"
#include "server/gateway.h"
#include "server/request_record.h"
#include "store/store_error.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

namespace {

// Events from a pull on a pool thread to the coroutine that streams them. The coroutine polls
// every `tick` and is woken early by push(); a wake-up lost to a race costs at most one tick.
struct pull_feed : std::enable_shared_from_this<pull_feed> {
  explicit pull_feed(const http::net::any_io_executor& ex) : timer(ex) {}
  std::mutex mutex;
  std::deque<std::pair<std::string, std::string>> events;  // (event name, JSON data)
  bool done = false;
  std::atomic<bool> cancel{false};
  http::net::steady_timer timer;

  void push(std::string name, std::string data, bool last = false) {
    {
      std::lock_guard lock(mutex);
      events.emplace_back(std::move(name), std::move(data));
      done = done || last;
    }
    http::net::post(timer.get_executor(), [self = shared_from_this()] { self->timer.cancel(); });
  }
};

std::string error_json(std::string_view message, std::string_view code) {
  return http::error_body(message, "server_error", code);
}

}  // namespace

http::net::awaitable<void> gateway::reply_job(http::exchange& ex, request_record& log, const job_result& r,
                                              std::string_view error_code) {
  if (r.status != 200) {
    co_await reply_error(ex, log, r.status, r.text, error_code);
    co_return;
  }
  log.status = 200;
  auto res = http::json_response(ex, 200, r.text);
  co_await http::send(ex, res);
}

http::net::awaitable<void> gateway::hub_api(http::exchange& ex, std::string_view path, request_record& log) {
  const auto method = ex.req.method();

  if (path == "/api/hub/search") {
    if (method != bhttp::verb::get) {
      co_await reply_error(ex, log, 405, "use GET for /api/hub/search", "method_not_allowed");
      co_return;
    }
    hub::search_query q;
    auto url = boost::urls::parse_origin_form(ex.req.target());
    if (url) {
      auto params = url->params();
      if (auto it = params.find("q"); it != params.end()) q.text = (*it).value;
      if (auto it = params.find("sort"); it != params.end()) q.sort = (*it).value;
      if (auto it = params.find("limit"); it != params.end()) {
        std::string v = (*it).value;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), q.limit);
        if (ec != std::errc{} || end != v.data() + v.size()) q.limit = 0;  // refused below
      }
    }
    if (q.text.empty() || q.text.size() > 200 || q.limit < 1 || q.limit > 100 ||
        (q.sort != "downloads" && q.sort != "likes" && q.sort != "updated")) {
      co_await reply_error(ex, log, 400, "use ?q=<text (1-200 chars)>[&limit=1-100][&sort=downloads|likes|updated]",
                           "invalid_query");
      co_return;
    }
    auto job = [q]() -> job_result {
      try {
        return {200, json::serialize(hub::search_json(q, hub::search_models(hub::hub_options::from_environment(), q)))};
      } catch (const std::exception& e) {
        return {502, std::string("Hugging Face search failed: ") + e.what()};
      }
    };
    auto got = co_await blocking_.run(std::move(job));
    co_await reply_job(ex, log, got, "hub_error");
    co_return;
  }

  if (path == "/api/models/inspect") {
    // ?model=<store name | owner/repo[:quant] | owner/repo/path.gguf>[&ctx=N]...[&cache_type=T][&parallel=N]
    if (method != bhttp::verb::get) {
      co_await reply_error(ex, log, 405, "use GET for /api/models/inspect", "method_not_allowed");
      co_return;
    }
    std::string spec;
    gguf::inspect_options opt;
    std::string problem;
    if (auto url = boost::urls::parse_origin_form(ex.req.target())) {
      for (auto param : url->params()) {
        std::string v = param.value;
        std::uint64_t n = 0;
        auto number = [&] {
          auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
          return ec == std::errc{} && end == v.data() + v.size() && n >= 1 && n <= (1u << 24);
        };
        if (param.key == "model")
          spec = v;
        else if (param.key == "ctx" && number() && opt.contexts.size() < 8)
          opt.contexts.push_back(n);
        else if (param.key == "parallel" && number() && n <= 1024)
          opt.parallel = n;
        else if (param.key == "cache_type" && (v == "f16" || v == "q8_0" || v == "q4_0" || v == "f32" || v == "bf16"))
          opt.cache_type = v;
        else
          problem = "bad parameter '" + std::string(param.key) + "'";
      }
    }
    if (spec.empty() || spec.size() > 512 || !problem.empty()) {
      co_await reply_error(ex, log, 400,
                           (problem.empty() ? "" : problem + ": ") +
                               "use ?model=<store name | owner/repo[:quant] | owner/repo/path.gguf>[&ctx=N][&cache_"
                               "type=f16|q8_0|q4_0][&parallel=N]",
                           "invalid_query");
      co_return;
    }
    // (without a store: the hub's models only)
    auto models = local_ ? local_->models() : std::make_shared<const std::vector<store::local_model>>();
    auto job = [spec, opt, models]() -> job_result {
      hub::inspect_policy policy;  // no paths, no URLs: store names and the configured hub only
      policy.find_local = [models](std::string_view name) -> std::optional<std::string> {
        for (const auto& m : *models)
          if (m.name == name) return m.path;
        return std::nullopt;
      };
      try {
        auto hub = hub::hub_options::from_environment();
        auto result = hub::inspect_model(hub::locate_model(spec, policy, hub), opt, hub);
        return {200, json::serialize(hub::inspection_json(result))};
      } catch (const hub::hub_error& e) {
        // 400/404: what was asked for; anything else: the hub failed or could not be reached
        unsigned status = e.status() == 400 || e.status() == 404 ? unsigned(e.status()) : 502;
        return {status, e.what()};
      } catch (const std::exception& e) {
        return {422, std::string("cannot read the model: ") + e.what()};
      }
    };
    auto got = co_await blocking_.run(std::move(job));
    co_await reply_job(ex, log, got, "inspect_failed");
    co_return;
  }

  // POST /api/models/pull {"model": "owner/repo[:quant|:file]"}
  if (method != bhttp::verb::post) {
    co_await reply_error(ex, log, 405, "use POST for /api/models/pull", "method_not_allowed");
    co_return;
  }
  if (!local_) {  // a pull goes into the store
    co_await reply_error(ex, log, 503, "the model store is unavailable: " + local_unavailable_, "local_unavailable");
    co_return;
  }
  json::error_code jec;
  auto doc = json::parse(ex.req.body(), jec);
  auto* obj = jec ? nullptr : doc.if_object();
  auto* model = obj ? obj->if_contains("model") : nullptr;
  std::string spec = model && model->is_string() ? std::string(model->as_string()) : "";
  if (spec.empty() || !hub::parse_pull_spec(spec)) {
    co_await reply_error(ex, log, 400, "send {\"model\": \"owner/repo[:quant|:path/file.gguf]\"}", "invalid_model");
    co_return;
  }
  http::event_stream events(ex);
  log.status = 200;
  bool opened = co_await events.open();
  if (!opened) co_return;

  auto executor = co_await http::net::this_coro::executor;
  auto feed = std::make_shared<pull_feed>(executor);
  pull_feed* f = feed.get();
  hub::pull_options opt;
  opt.hub = hub::hub_options::from_environment();
  opt.home = local_->home();
  opt.cancel = &f->cancel;
  auto last_progress = std::make_shared<std::chrono::steady_clock::time_point>();
  opt.progress = [this, f, last_progress](const hub::pull_progress& p) {
    if (shutting_down_) f->cancel = true;         // the gateway is stopping: the pull resumes next time
    auto now = std::chrono::steady_clock::now();  // at most 5 progress events a second
    if (now - *last_progress < std::chrono::milliseconds(200) && p.bytes.done < p.bytes.total) return;
    *last_progress = now;
    f->push("progress", json::serialize(hub::pull_progress_json(p)));
  };
  opt.note = [f](const std::string& line) { f->push("note", json::serialize(json::object{{"message", line}})); };
  spdlog::info("pull {}: started from the admin API", spec);
  http::net::post(local_->download_pool(), [this, feed, spec, opt] {
    try {
      auto result = hub::pull_model(spec, opt);
      catalog_.update_listing(std::string(local_backend_name),
                              local_->refresh(state()->cfg->engine));  // served at once
      spdlog::info("pull {}: done ({})", spec, result.model.name);
      feed->push("done", json::serialize(hub::pull_result_json(result)), true);
    } catch (const std::exception& e) {
      spdlog::warn("pull {}: failed: {}", spec, e.what());
      feed->push("error", error_json(e.what(), feed->cancel ? "cancelled" : "pull_failed"), true);
    }
  });
  auto last_sent = std::chrono::steady_clock::now();
  for (;;) {
    std::deque<std::pair<std::string, std::string>> batch;
    bool done = false;
    {
      std::lock_guard lock(f->mutex);
      batch.swap(f->events);
      done = f->done;
    }
    for (const auto& event : batch) {
      bool sent = co_await events.send(event.first, event.second);
      if (!sent) f->cancel = true;  // the client left: stop (resumable)
      last_sent = std::chrono::steady_clock::now();
    }
    if (batch.empty() && std::chrono::steady_clock::now() - last_sent > std::chrono::seconds(10)) {
      // quiet (queued behind other pulls, or hashing): a comment finds out whether anyone listens
      bool alive = co_await events.comment("keepalive");
      if (!alive) f->cancel = true;
      last_sent = std::chrono::steady_clock::now();
    }
    if (done) break;
    f->timer.expires_after(std::chrono::milliseconds(250));
    co_await f->timer.async_wait(http::net::as_tuple(http::net::use_awaitable));
  }
  co_await events.close();
}

}  // namespace sy
