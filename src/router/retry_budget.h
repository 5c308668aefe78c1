#pragma once
// A retry budget: retries may add at most `budget_ratio` of the requests seen over the last
// window, plus a floor of `budget_min_per_second`, so that retries cannot multiply an outage
// (every request retried against a dead fleet) while a quiet gateway can still retry.
//
// Pure logic over an injected time; not thread-safe (the caller holds a lock).
#include <array>
#include <chrono>
#include <cstdint>

#include "core/config.h"

namespace sy {

class retry_budget {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit retry_budget(retry_settings s = {}) : s_(s) {}

  void on_request(time_point now);  // every routed request, once
  bool try_retry(time_point now);   // spends one retry if the budget has one left
  std::uint64_t requests(time_point now);
  std::uint64_t retries(time_point now);
  std::uint64_t refused() const { return refused_; }  // retries the budget said no to, ever

 private:
  static constexpr std::size_t slots = 10;  // the window in tenths
  struct slot {
    std::int64_t index = -1;  // which tenth of time it counts
    std::uint64_t requests = 0, retries = 0;
  };
  slot& current(time_point now);
  template <class Fn>
  std::uint64_t sum(time_point now, Fn field);

  retry_settings s_;
  std::array<slot, slots> ring_{};
  std::uint64_t refused_ = 0;
};

}  // namespace sy
