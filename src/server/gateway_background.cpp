// The gateway's background loops: model-list refreshes, health checks, discovery of local
// servers and the sweep of idle upstream connections (http::background_task, on worker 0).
#include "server/gateway.h"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/config_sources.h"
#include "core/discovery.h"
#include "core/local_backend_name.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "server/local_discovery.h"
#include "server/request_record.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

void gateway::start_background(http::server& srv, unsigned short own_port) {
  auto& ctx = srv.worker_context(0);
  // each round is a member coroutine: the tasks capture only `this`, which outlives them
  // (stop_background() ends them before anything they use goes)
  refresh_ = std::make_unique<http::background_task>("model refresh", ctx, [this] { return refresh_models(); });
  health_ = std::make_unique<http::background_task>("health checks", ctx, [this] { return check_health(); });
  discovery_ = std::make_unique<http::background_task>("local discovery", ctx,
                                                       [this, own_port] { return discover_local(own_port); });
  refresh_->start();
  health_->start();
  discovery_->start();
  for (unsigned i = 0; i < pools_.size(); ++i) {
    pool_sweeps_.push_back(std::make_unique<http::background_task>("upstream pool sweep", srv.worker_context(i),
                                                                   [this, i] { return sweep_pool(i); }));
    pool_sweeps_.back()->start();
  }
}

void gateway::stop_background() {
  for (auto* task : {discovery_.get(), health_.get(), refresh_.get()})
    if (task) task->stop();
  for (auto& task : pool_sweeps_) task->stop();
}

http::net::awaitable<duration> gateway::sweep_pool(unsigned worker) {
  auto& pool = *pools_[worker];
  pool.close_expired();
  co_return std::clamp<duration>(pool.config().pool_idle_timeout / 2, std::chrono::milliseconds(250),
                                 std::chrono::seconds(30));
}

http::net::awaitable<duration> gateway::refresh_models() {
  auto st = state();
  if (local_) {
    auto job = [this, st]() -> std::variant<model_listing, std::string> {
      try {
        return local_->refresh(st->cfg->engine);
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    };
    auto listed = co_await blocking_.run(std::move(job));
    if (auto* listing = std::get_if<model_listing>(&listed))
      catalog_.update_listing(std::string(local_backend_name), std::move(*listing));
    else
      catalog_.listing_failed(std::string(local_backend_name), std::get<std::string>(listed));
  }
  for (const auto& b : st->backends) {
    if (!b->config().list_models) continue;
    // the details of models listed before are not asked again (the snapshot stays alive
    // across the await)
    auto listed_before = catalog_.snapshot();
    const auto* last = listed_before->find(b->config().name);
    const std::map<std::string, model_capabilities> none;
    const http::exchange_timeouts timeouts{};
    auto got = co_await b->list_models(*pools_[0], timeouts, last ? &last->capabilities : &none);
    if (auto* listing = std::get_if<model_listing>(&got)) {
      catalog_.update_listing(b->config().name, std::move(*listing), b->config().url);
    } else {
      auto& why = std::get<std::string>(got);
      spdlog::warn("listing models of backend '{}' failed: {}", b->config().name, why);
      catalog_.listing_failed(b->config().name, why, b->config().url);
    }
  }
  co_return st->cfg->upstream.models_refresh;
}

http::net::awaitable<duration> gateway::discover_local(unsigned short own_port) {
  auto base = state()->cfg;
  if (!base->discovery.local) {
    probed_ = true;
    co_return base->discovery.interval;
  }
  auto found = co_await probe_local_servers(*pools_[0], own_port);
  std::vector<backend_config> was;
  {
    std::lock_guard lock(state_mutex_);
    was = found_;
  }
  auto same = [](const backend_config& a, const backend_config& b) { return a.name == b.name && a.url == b.url; };
  bool changed = !std::equal(found.begin(), found.end(), was.begin(), was.end(), same);
  if (changed) {
    for (const auto& b : found)
      if (std::none_of(was.begin(), was.end(), [&](const auto& w) { return same(w, b); }))
        spdlog::info("discovered {} at {}: backend '{}'", b.name, b.url, b.name);
    for (const auto& b : was)
      if (std::none_of(found.begin(), found.end(), [&](const auto& f) { return same(f, b); }))
        spdlog::info("{} at {} no longer answers: backend '{}' removed", b.name, b.url, b.name);
    {
      std::lock_guard lock(state_mutex_);
      found_ = std::move(found);
    }
    try {
      reload_with_discoveries();
    } catch (const config_error& e) {
      spdlog::warn("discovered backends not added: {}", e.what());
    }
  }
  probed_ = true;
  co_return base->discovery.interval;
}

http::net::awaitable<duration> gateway::check_health() {
  auto st = state();
  const auto& h = st->cfg->router.health;
  if (h.interval <= duration::zero()) co_return std::chrono::seconds(5);  // off: look at the config again later
  // the backends that routes use: their targets and fallbacks
  std::set<std::string> used;
  for (const auto& r : st->cfg->routes) {
    for (const auto& t : r.targets) used.insert(t.substr(0, t.find('/')));
    for (const auto& f : r.fallback)
      if (auto slash = f.find('/'); slash != std::string::npos) used.insert(f.substr(0, slash));
  }
  http::exchange_timeouts t;
  t.connect = t.first_byte = t.idle = h.timeout;
  for (const auto& b : st->backends) {
    if (!used.contains(b->config().name)) continue;
    auto got = co_await b->list_models(*pools_[0], t);
    auto* why = std::get_if<std::string>(&got);
    router_.on_health_check(b->config().name, why == nullptr, why ? *why : std::string());
  }
  co_return h.interval;
}

}  // namespace sy
