#pragma once
// The live state of routing, shared by all requests: per target its circuit breaker, requests
// in flight, latency, counters and last error; per route the strategy's memory and the
// admission gates of targets with a concurrency limit; per backend its health from active
// checks; and the retry budget. It outlives configuration reloads: the state of a target that
// is still configured carries over.
//
// Threading: every method may be called from any thread (one mutex). Time comes from the
// injected clock. Events (breaker and health transitions) go to the sink outside the lock.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "router/circuit_breaker.h"
#include "router/health_tracker.h"
#include "router/latency_tracker.h"
#include "router/retry_budget.h"
#include "router/route_order.h"
#include "router/target_gate.h"

namespace sy {

// How one send to a target ended, as far as routing cares.
struct attempt_result {
  enum class kind {
    success,       // the target answered (a client's 4xx included)
    failure,       // unreachable, timed out, 5xx, broken stream: counts against the target
    rate_limited,  // 429: not broken; a Retry-After becomes a cooldown
    not_counted,   // refused before it was sent, or an outcome that says nothing about the target
  };
  kind what = kind::success;
  unsigned status = 0;
  std::string error;
  std::optional<duration> retry_after;                       // parsed, clamped
  std::optional<std::chrono::steady_clock::duration> ttft;   // send -> first byte to the client
  std::optional<std::chrono::steady_clock::duration> total;  // for complete exchanges
};

class router_state {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using clock_fn = std::function<time_point()>;
  // (kind, JSON object text): "breaker" and "health" transitions, for /api/events.
  using event_sink = std::function<void(std::string_view kind, std::string json)>;
  // A target's health that active checks of its backend do not see (local engines). Called with
  // the router's lock held, on the request path: it must be cheap and never call the router.
  using health_probe = std::function<std::optional<health_state>(std::string_view target_id)>;

  explicit router_state(clock_fn now = [] { return std::chrono::steady_clock::now(); });

  // On start and on every reload. Breakers restart when their settings change; the retry
  // budget when its settings change. Health of backends no longer configured is dropped.
  void configure(const config& cfg);
  void set_event_sink(event_sink sink);
  void set_health_probe(health_probe probe);

  // The order in which `route` tries its targets for a request with hash key `key`.
  std::vector<std::size_t> order(const route_config& route, std::uint64_t key);

  // Whether the breaker lets a request go to `target` now; when not, until when it is open.
  // guarded = false (a direct <backend>/<model> request) skips the breaker but keeps statistics.
  std::optional<time_point> admit(const std::string& target, bool guarded);
  void started(const std::string& target);
  void finished(const std::string& target, bool guarded, const attempt_result& r);

  // One attempt in flight: started() now, finished() once — with finish(result), or as
  // not_counted when it ends without one (a cancelled request). The router must outlive it.
  class attempt_guard {
   public:
    attempt_guard(router_state& router, std::string target, bool guarded)
        : router_(&router), target_(std::move(target)), guarded_(guarded) {
      router_->started(target_);
    }
    attempt_guard(const attempt_guard&) = delete;
    attempt_guard& operator=(const attempt_guard&) = delete;
    ~attempt_guard() {
      if (router_) router_->finished(target_, guarded_, attempt_result{.what = attempt_result::kind::not_counted});
    }
    void finish(const attempt_result& r) {
      if (router_) std::exchange(router_, nullptr)->finished(target_, guarded_, r);
    }

   private:
    router_state* router_;
    std::string target_;
    bool guarded_;
  };

  // The admission gate of `target` within `route` (routes with a concurrency limit).
  target_gate& gate(const std::string& route, const std::string& target);

  void on_request();  // a routed request arrived (for the retry budget)
  bool try_retry();   // a retry may be spent

  // Active health checks, per backend name.
  void on_health_check(const std::string& backend, bool ok, const std::string& detail);
  health_state health(std::string_view target_id);

  // GET /api/router: routes with their targets, and targets reached directly.
  // `history_of`: the target whose time to first token per minute over the last hour comes
  // with it ("ttft_by_minute"); none when empty.
  std::string to_json(const config& cfg, std::string_view history_of = {});
  // Prometheus text for the same.
  void prometheus(std::string& out);

 private:
  struct target_entry {
    explicit target_entry(breaker_settings s) : breaker(s) {}
    circuit_breaker breaker;
    latency_tracker latency;
    int in_flight = 0;
    std::uint64_t requests = 0, failures = 0, rate_limited = 0;
    std::uint64_t opened = 0;  // times the breaker opened (trips, and cooldowns excluded)
    std::string last_error;
    time_point last_error_at{};
  };
  target_entry& entry(const std::string& id);  // under mutex_
  health_state health_locked(std::string_view target_id);
  void emit(std::vector<std::pair<std::string, std::string>> events);

  clock_fn now_;
  std::mutex mutex_;
  breaker_settings breaker_settings_;
  health_settings health_settings_;
  retry_settings retry_settings_;
  retry_budget budget_;
  std::map<std::string, target_entry, std::less<>> targets_;
  std::map<std::string, order_state, std::less<>> routes_;
  std::map<std::string, std::unique_ptr<target_gate>, std::less<>> gates_;  // "route\x1ftarget"
  std::map<std::string, health_tracker, std::less<>> health_;               // by backend
  event_sink sink_;
  health_probe probe_;
  std::uint64_t random_state_;
};

}  // namespace sy
