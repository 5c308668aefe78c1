#pragma once
// How one request walks its plan (the route's targets, then its fallbacks): which target each
// step tries, when the walk ends, how long to back off before a target is tried again, and the
// route's total deadline. A step that is turned away before sending (a full queue, an open
// circuit) costs no send. Pure logic: the clock and the random source are injected, so it is
// tested without sockets or sleeps (Envoy's RetryStateImpl plays this part there). The retry
// budget, shared by all requests, stays with the router: a retry step must also be allowed there.
//
// Threading: one request's, not shared.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "core/config.h"

namespace sy {

class retry_policy {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using clock_fn = std::function<time_point()>;
  // A uniformly random integer in [0, max].
  using random_fn = std::function<std::int64_t(std::int64_t max)>;

  // `guarded`: the plan comes from a route (breakers, retries, fallbacks); otherwise one send.
  retry_policy(std::size_t plan_size, bool guarded, const retry_settings& settings, clock_fn now, random_fn random);

  // The plan index the next step tries; nullopt when the walk is over (every step taken, or
  // every send spent).
  std::optional<std::size_t> next();
  // Whether the current step would send again after a send (it needs the retry budget).
  bool is_retry() const { return sends_ > 0; }
  // How long to wait before the current step: zero for a target not tried yet; for one tried
  // before, a random wait up to base × 2^round, capped at backoff_max (full jitter).
  duration backoff() const;
  // The current step sends (call just before sending).
  void sent() { ++sends_; }
  // Whether a step follows the current one (for "failed; trying <next>").
  std::optional<std::size_t> following() const;

  // The total deadline, set by the first target whose route has one (from the request's start).
  void limit_total(time_point request_started, duration total);
  std::optional<time_point> deadline() const { return deadline_; }
  bool deadline_passed() const { return deadline_ && now_() >= *deadline_; }

  std::size_t sends() const { return sends_; }
  std::size_t max_sends() const { return max_sends_; }

 private:
  std::size_t plan_size_;
  std::size_t max_sends_;
  std::size_t steps_;
  retry_settings settings_;
  clock_fn now_;
  random_fn random_;
  std::size_t step_ = 0;  // the current step + 1 once next() has run
  bool started_ = false;
  std::size_t sends_ = 0;
  std::optional<time_point> deadline_;
};

}  // namespace sy
