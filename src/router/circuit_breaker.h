#pragma once
// A circuit breaker for one route target: stop sending requests to a target that keeps failing,
// try it again after a pause that grows on repeated trips, and close once probes succeed.
//
//   closed ── N failures in a row, or a failure rate over the window ──▶ open
//   open ── after the pause (base × 2^(trips-1), capped) ──▶ half-open
//   half-open ── `probes` requests admitted; `close_after` successes ──▶ closed
//             └─ any failure ──▶ open (a longer pause)
//
// "Failure" is what the caller says it is (no answer, 5xx, a timeout to the first byte); a
// request refused before it was sent is neither. A Retry-After from the target opens the
// breaker until then (a cooldown), without counting as a trip.
//
// Pure logic over an injected time; not thread-safe (the caller holds a lock).
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/duration.h"

namespace sy {

enum class breaker_state { closed, open, half_open };
const char* to_string(breaker_state s);

struct breaker_transition {
  std::chrono::steady_clock::time_point at;
  breaker_state to;
  std::string why;
};

class circuit_breaker {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit circuit_breaker(breaker_settings s = {}) : s_(s) {}

  // Whether a request may go to the target now. While half-open it admits `probes` requests at
  // a time; each admitted request must be answered with on_success/on_failure/on_abandoned.
  bool allow(time_point now);
  void on_success(time_point now);
  void on_failure(time_point now, std::string_view why);
  void on_abandoned();  // an admitted request that was never sent (or whose outcome says nothing)
  // The target asked for a pause (Retry-After): no requests until `until`.
  void cool_down(time_point now, time_point until);

  breaker_state state(time_point now) const;
  time_point open_until() const { return open_until_; }
  unsigned trips() const { return trips_; }
  const std::deque<breaker_transition>& transitions() const { return transitions_; }

 private:
  void open(time_point now, std::string why, time_point until);
  void note(time_point now, breaker_state to, std::string why);
  void trim(time_point now);

  breaker_settings s_;
  breaker_state state_ = breaker_state::closed;
  time_point open_until_{};
  unsigned consecutive_ = 0;
  unsigned trips_ = 0;  // in a row; the pause grows with it
  unsigned probes_out_ = 0, probe_successes_ = 0;
  std::deque<std::pair<time_point, bool>> recent_;  // (when, failed) within the window
  std::deque<breaker_transition> transitions_;      // the last few, for /api/router and logs
};

// A Retry-After value as seconds from now: delta-seconds or an HTTP date, clamped to
// [0, max]; nullopt for anything else (garbage is ignored, not trusted).
std::optional<duration> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now,
                                          duration max = std::chrono::minutes(5));

}  // namespace sy
