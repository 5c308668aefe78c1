#include "router/retry_budget.h"

#include <algorithm>

namespace sy {

namespace {
std::int64_t tenth_of(std::chrono::steady_clock::time_point now, duration window) {
  auto step = std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(window).count() / 10);
  return std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() / step;
}
}  // namespace

retry_budget::slot& retry_budget::current(time_point now) {
  auto index = tenth_of(now, s_.budget_window);
  auto& s = ring_[static_cast<std::size_t>(index) % slots];
  if (s.index != index) s = slot{index, 0, 0};
  return s;
}

template <class Fn>
std::uint64_t retry_budget::sum(time_point now, Fn field) {
  auto index = tenth_of(now, s_.budget_window);
  std::uint64_t total = 0;
  for (const auto& s : ring_)
    if (s.index >= 0 && index - s.index < static_cast<std::int64_t>(slots)) total += field(s);
  return total;
}

void retry_budget::on_request(time_point now) {
  ++current(now).requests;
}

std::uint64_t retry_budget::requests(time_point now) {
  return sum(now, [](const slot& s) { return s.requests; });
}
std::uint64_t retry_budget::retries(time_point now) {
  return sum(now, [](const slot& s) { return s.retries; });
}

bool retry_budget::try_retry(time_point now) {
  double seconds = std::chrono::duration<double>(s_.budget_window).count();
  double allowed = s_.budget_min_per_second * seconds + s_.budget_ratio * static_cast<double>(requests(now));
  if (static_cast<double>(retries(now)) + 1 > allowed) {
    ++refused_;
    return false;
  }
  ++current(now).retries;
  return true;
}

}  // namespace sy
