#pragma once
// The health of one backend from active checks: `unhealthy_after` failed checks in a row make
// it unhealthy, `healthy_after` successful ones make it healthy again. Before its first check
// it is "unknown", which routing treats as healthy. A local model still loading is "warming":
// slow to answer, not dead.
//
// Pure logic over an injected time; not thread-safe (the caller holds a lock).
#include <chrono>
#include <string>

#include "core/config.h"

namespace sy {

enum class health_state { unknown, healthy, unhealthy, warming };
const char* to_string(health_state s);

class health_tracker {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit health_tracker(health_settings s = {}) : s_(s) {}

  // One check's outcome; returns true when the state changed.
  bool on_check(time_point now, bool ok, std::string detail);
  health_state state() const { return state_; }
  bool routable() const { return state_ != health_state::unhealthy; }
  time_point last_check() const { return last_check_; }
  const std::string& last_error() const { return last_error_; }
  unsigned checks() const { return checks_; }

 private:
  health_settings s_;
  health_state state_ = health_state::unknown;
  unsigned ok_run_ = 0, fail_run_ = 0, checks_ = 0;
  time_point last_check_{};
  std::string last_error_;
};

}  // namespace sy
