#include "router/router_state.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace sy {

namespace json = boost::json;

namespace {

std::string_view backend_of(std::string_view target_id) {
  return target_id.substr(0, target_id.find('/'));
}

std::string prom_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

json::object latency_json(const latency_summary& s) {
  return {{"count", s.count}, {"p50_ms", s.p50_ms}, {"p90_ms", s.p90_ms}, {"p99_ms", s.p99_ms}};
}

}  // namespace

router_state::router_state(clock_fn now)
    : now_(std::move(now)),
      random_state_(static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1) {}

void router_state::configure(const config& cfg) {
  std::lock_guard lock(mutex_);
  const auto& rc = cfg.router;
  if (!(rc.breaker == breaker_settings_)) {
    breaker_settings_ = rc.breaker;
    for (auto& [id, t] : targets_) t.breaker = circuit_breaker(breaker_settings_);
  }
  if (!(rc.retry == retry_settings_)) {
    retry_settings_ = rc.retry;
    budget_ = retry_budget(retry_settings_);
  }
  if (!(rc.health == health_settings_)) {
    health_settings_ = rc.health;
    health_.clear();
  }
  std::erase_if(health_, [&](const auto& kv) { return !cfg.find_backend(kv.first); });
  // strategy memory of routes that are gone; gates stay (requests may still hold them)
  std::erase_if(routes_, [&](const auto& kv) {
    for (const auto& r : cfg.routes)
      if (r.model == kv.first) return false;
    return true;
  });
}

void router_state::set_event_sink(event_sink sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
}

void router_state::set_health_probe(health_probe probe) {
  std::lock_guard lock(mutex_);
  probe_ = std::move(probe);
}

router_state::target_entry& router_state::entry(const std::string& id) {
  auto it = targets_.find(id);
  if (it == targets_.end()) it = targets_.try_emplace(id, breaker_settings_).first;
  return it->second;
}

health_state router_state::health_locked(std::string_view target_id) {
  if (probe_)
    if (auto h = probe_(target_id)) return *h;
  auto it = health_.find(backend_of(target_id));
  return it == health_.end() ? health_state::unknown : it->second.state();
}

health_state router_state::health(std::string_view target_id) {
  std::lock_guard lock(mutex_);
  return health_locked(target_id);
}

std::vector<std::size_t> router_state::order(const route_config& route, std::uint64_t key) {
  std::lock_guard lock(mutex_);
  auto now = now_();
  std::vector<target_view> views;
  views.reserve(route.targets.size());
  for (std::size_t i = 0; i < route.targets.size(); ++i) {
    const auto& id = route.targets[i];
    target_view v;
    v.id_hash = hash_text(id);
    v.weight = route.settings(i).weight;
    auto it = targets_.find(id);
    if (it != targets_.end()) {
      v.in_flight = it->second.in_flight;
      v.latency_ms = it->second.latency.ewma_ms(now);
      v.healthy = it->second.breaker.state(now) != breaker_state::open;
    }
    v.healthy = v.healthy && health_locked(id) != health_state::unhealthy;
    views.push_back(v);
  }
  random_state_ = random_state_ * 6364136223846793005ULL + 1442695040888963407ULL;
  auto& state = routes_.try_emplace(route.model).first->second;
  return order_targets(route.strategy, views, state, key, random_state_ >> 1);
}

std::optional<router_state::time_point> router_state::admit(const std::string& target, bool guarded) {
  if (!guarded) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> events;
  std::optional<time_point> refused;
  {
    std::lock_guard lock(mutex_);
    auto now = now_();
    auto& b = entry(target).breaker;
    auto before = b.state(now);
    if (!b.allow(now)) refused = b.open_until();
    if (auto after = b.state(now); after != before && !b.transitions().empty())
      events.emplace_back("breaker",
                          json::serialize(json::object{
                              {"target", target}, {"to", to_string(after)}, {"why", b.transitions().back().why}}));
  }
  emit(std::move(events));
  return refused;
}

void router_state::started(const std::string& target) {
  std::lock_guard lock(mutex_);
  ++entry(target).in_flight;
}

void router_state::finished(const std::string& target, bool guarded, const attempt_result& r) {
  std::vector<std::pair<std::string, std::string>> events;
  {
    std::lock_guard lock(mutex_);
    auto now = now_();
    auto& t = entry(target);
    if (t.in_flight > 0) --t.in_flight;
    auto& b = t.breaker;
    auto before = b.state(now);
    switch (r.what) {
      case attempt_result::kind::success:
        ++t.requests;
        if (r.ttft) t.latency.record(now, *r.ttft, r.total);
        if (guarded) b.on_success(now);
        break;
      case attempt_result::kind::failure:
        ++t.requests;
        ++t.failures;
        t.last_error = r.error;
        t.last_error_at = now;
        if (guarded) b.on_failure(now, r.error);
        break;
      case attempt_result::kind::rate_limited:
        ++t.requests;
        ++t.rate_limited;
        t.last_error = r.error;
        t.last_error_at = now;
        if (guarded) {
          if (r.retry_after && *r.retry_after > duration::zero())
            b.cool_down(now, now + *r.retry_after);
          else
            b.on_abandoned();
        }
        break;
      case attempt_result::kind::not_counted:
        if (guarded) b.on_abandoned();
        break;
    }
    if (auto after = b.state(now); guarded && after != before && !b.transitions().empty()) {
      if (after == breaker_state::open && r.what == attempt_result::kind::failure) ++t.opened;
      if (after == breaker_state::closed)
        spdlog::info("route target {}: circuit closed ({})", target, b.transitions().back().why);
      else
        spdlog::warn("route target {}: circuit {} ({})", target, to_string(after), b.transitions().back().why);
      events.emplace_back("breaker",
                          json::serialize(json::object{
                              {"target", target}, {"to", to_string(after)}, {"why", b.transitions().back().why}}));
    }
  }
  emit(std::move(events));
}

target_gate& router_state::gate(const std::string& route, const std::string& target) {
  std::lock_guard lock(mutex_);
  auto key = route + '\x1f' + target;
  auto it = gates_.find(key);
  if (it == gates_.end()) it = gates_.emplace(key, std::make_unique<target_gate>()).first;
  return *it->second;
}

void router_state::on_request() {
  std::lock_guard lock(mutex_);
  budget_.on_request(now_());
}

bool router_state::try_retry() {
  std::lock_guard lock(mutex_);
  return budget_.try_retry(now_());
}

void router_state::on_health_check(const std::string& backend, bool ok, const std::string& detail) {
  std::vector<std::pair<std::string, std::string>> events;
  {
    std::lock_guard lock(mutex_);
    auto& h = health_.try_emplace(backend, health_settings_).first->second;
    if (h.on_check(now_(), ok, detail)) {
      auto to = to_string(h.state());
      if (h.state() == health_state::unhealthy)
        spdlog::warn("backend {}: unhealthy ({})", backend, detail);
      else
        spdlog::info("backend {}: {}", backend, to);
      events.emplace_back("health", json::serialize(json::object{
                                        {"backend", backend}, {"to", to}, {"why", ok ? std::string() : detail}}));
    }
  }
  emit(std::move(events));
}

void router_state::emit(std::vector<std::pair<std::string, std::string>> events) {
  if (events.empty()) return;
  event_sink sink;
  {
    std::lock_guard lock(mutex_);
    sink = sink_;
  }
  if (sink)
    for (auto& [kind, body] : events) sink(kind, std::move(body));
}

std::string router_state::to_json(const config& cfg, std::string_view history_of) {
  std::lock_guard lock(mutex_);
  auto now = now_();
  auto target_json = [&](const std::string& id) {
    json::object o{{"id", id}, {"backend", std::string(backend_of(id))}, {"health", to_string(health_locked(id))}};
    auto it = targets_.find(id);
    if (it == targets_.end()) {
      o["state"] = "closed";
      o["in_flight"] = 0;
      o["requests"] = 0;
      return o;
    }
    const auto& t = it->second;
    const auto& b = t.breaker;
    json::array transitions;
    for (const auto& tr : b.transitions())
      transitions.push_back(
          json::object{{"to", to_string(tr.to)},
                       {"why", tr.why},
                       {"seconds_ago", std::chrono::duration_cast<std::chrono::seconds>(now - tr.at).count()}});
    o["state"] = to_string(b.state(now));
    o["trips"] = b.trips();
    o["opened"] = t.opened;
    if (b.state(now) == breaker_state::open)
      o["open_for_s"] = std::chrono::ceil<std::chrono::seconds>(b.open_until() - now).count();
    o["transitions"] = std::move(transitions);
    o["in_flight"] = t.in_flight;
    o["requests"] = t.requests;
    o["failures"] = t.failures;
    o["rate_limited"] = t.rate_limited;
    o["ewma_ttft_ms"] = t.latency.ewma_ms(now);
    o["ttft"] = latency_json(t.latency.ttft());
    o["total"] = latency_json(t.latency.total());
    if (!history_of.empty() && id == history_of) {  // the dashboard's chart of this target
      json::array history;
      for (const auto& m : t.latency.ttft_by_minute(now))
        history.push_back(json::object{{"minutes_ago", m.minutes_ago},
                                       {"count", m.count},
                                       {"p50_ms", m.p50_ms},
                                       {"p90_ms", m.p90_ms},
                                       {"p99_ms", m.p99_ms}});
      o["ttft_by_minute"] = std::move(history);
    }
    if (!t.last_error.empty()) {
      o["last_error"] = t.last_error;
      o["last_error_s_ago"] = seconds_between(t.last_error_at, now);
    }
    return o;
  };
  json::array routes;
  for (const auto& r : cfg.routes) {
    json::array targets;
    for (std::size_t i = 0; i < r.targets.size(); ++i) {
      auto o = target_json(r.targets[i]);
      auto s = r.settings(i);
      o["weight"] = s.weight;
      if (s.max_concurrency > 0) {
        o["max_concurrency"] = s.max_concurrency;
        auto g = gates_.find(r.model + '\x1f' + r.targets[i]);
        o["admitted"] = g == gates_.end() ? 0u : g->second->in_use();
        o["queued"] = g == gates_.end() ? 0u : g->second->queued();
      }
      targets.push_back(std::move(o));
    }
    json::array fallback;
    for (const auto& f : r.fallback) fallback.push_back(json::string(f));
    routes.push_back(json::object{{"model", r.model},
                                  {"strategy", to_string(r.strategy)},
                                  {"targets", std::move(targets)},
                                  {"fallback", std::move(fallback)}});
  }
  json::array all;
  for (const auto& [id, t] : targets_) all.push_back(target_json(id));
  json::array backends;
  for (const auto& [name, h] : health_) {
    json::object o{{"name", name}, {"health", to_string(h.state())}, {"checks", h.checks()}};
    if (h.checks() > 0) o["last_check_s_ago"] = seconds_between(h.last_check(), now);
    if (!h.last_error().empty()) o["last_error"] = h.last_error();
    backends.push_back(std::move(o));
  }
  json::object budget{
      {"requests", budget_.requests(now)}, {"retries", budget_.retries(now)}, {"refused", budget_.refused()}};
  return json::serialize(json::object{{"routes", std::move(routes)},
                                      {"targets", std::move(all)},
                                      {"backends", std::move(backends)},
                                      {"retry_budget", std::move(budget)}});
}

void router_state::prometheus(std::string& out) {
  std::lock_guard lock(mutex_);
  auto now = now_();
  out +=
      "# HELP switchyard_target_circuit_state Circuit breaker of a route target: 0 closed, 1 half-open, 2 open.\n"
      "# TYPE switchyard_target_circuit_state gauge\n";
  for (const auto& [id, t] : targets_) {
    auto s = t.breaker.state(now);
    out += fmt::format("switchyard_target_circuit_state{{target=\"{}\"}} {}\n", prom_label(id),
                       s == breaker_state::closed      ? 0
                       : s == breaker_state::half_open ? 1
                                                       : 2);
  }
  out +=
      "# HELP switchyard_target_circuit_trips Times in a row a target's circuit opened.\n"
      "# TYPE switchyard_target_circuit_trips gauge\n";
  for (const auto& [id, t] : targets_)
    out += fmt::format("switchyard_target_circuit_trips{{target=\"{}\"}} {}\n", prom_label(id), t.breaker.trips());
  out +=
      "# HELP switchyard_target_circuit_opened_total Times a target's circuit opened after failures.\n"
      "# TYPE switchyard_target_circuit_opened_total counter\n";
  for (const auto& [id, t] : targets_)
    out += fmt::format("switchyard_target_circuit_opened_total{{target=\"{}\"}} {}\n", prom_label(id), t.opened);
  out +=
      "# HELP switchyard_target_in_flight Requests in flight to a target.\n"
      "# TYPE switchyard_target_in_flight gauge\n";
  for (const auto& [id, t] : targets_)
    out += fmt::format("switchyard_target_in_flight{{target=\"{}\"}} {}\n", prom_label(id), t.in_flight);
  out +=
      "# HELP switchyard_target_failures_total Sends to a target that failed.\n"
      "# TYPE switchyard_target_failures_total counter\n";
  for (const auto& [id, t] : targets_)
    out += fmt::format("switchyard_target_failures_total{{target=\"{}\"}} {}\n", prom_label(id), t.failures);
  out +=
      "# HELP switchyard_target_ttft_ewma_seconds Peak-EWMA of a target's time to first byte.\n"
      "# TYPE switchyard_target_ttft_ewma_seconds gauge\n";
  for (const auto& [id, t] : targets_)
    out += fmt::format("switchyard_target_ttft_ewma_seconds{{target=\"{}\"}} {:.6f}\n", prom_label(id),
                       t.latency.ewma_ms(now) / 1000.0);
  out +=
      "# HELP switchyard_target_queued Requests waiting for a place at a target with a concurrency limit.\n"
      "# TYPE switchyard_target_queued gauge\n";
  for (const auto& [key, g] : gates_) {
    auto sep = key.find('\x1f');
    out += fmt::format("switchyard_target_queued{{route=\"{}\",target=\"{}\"}} {}\n", prom_label(key.substr(0, sep)),
                       prom_label(key.substr(sep + 1)), g->queued());
  }
  out +=
      "# HELP switchyard_backend_healthy Active health of a backend: 1 healthy or unknown, 0 unhealthy.\n"
      "# TYPE switchyard_backend_healthy gauge\n";
  for (const auto& [name, h] : health_)
    out += fmt::format("switchyard_backend_healthy{{backend=\"{}\"}} {}\n", prom_label(name), h.routable() ? 1 : 0);
  out +=
      "# HELP switchyard_retries_refused_total Retries the retry budget refused.\n"
      "# TYPE switchyard_retries_refused_total counter\n";
  out += fmt::format("switchyard_retries_refused_total {}\n", budget_.refused());
}

}  // namespace sy
