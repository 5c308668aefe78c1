#include "router/health_tracker.h"

namespace sy {

const char* to_string(health_state s) {
  switch (s) {
    case health_state::unknown: return "unknown";
    case health_state::healthy: return "healthy";
    case health_state::unhealthy: return "unhealthy";
    case health_state::warming: return "warming";
  }
  return "unknown";
}

bool health_tracker::on_check(time_point now, bool ok, std::string detail) {
  auto before = state_;
  ++checks_;
  last_check_ = now;
  if (ok) {
    fail_run_ = 0;
    ++ok_run_;
    if (state_ != health_state::healthy && (state_ != health_state::unhealthy || ok_run_ >= s_.healthy_after))
      state_ = health_state::healthy;
  } else {
    ok_run_ = 0;
    ++fail_run_;
    last_error_ = std::move(detail);
    if (fail_run_ >= s_.unhealthy_after) state_ = health_state::unhealthy;
  }
  return state_ != before;
}

}  // namespace sy
