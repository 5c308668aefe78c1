#pragma once
// What a target's recent latency looks like: a peak-EWMA of time to first token for choosing
// targets (least_latency), and the last samples of time to first token and total time for
// percentiles (/api/router, the dashboard).
//
// Peak-EWMA: a sample above the estimate replaces it at once (a target that turned slow is
// avoided right away); one below pulls it down with weight 1 - e^(-dt/tau) (dt: time since
// the previous sample). Without new samples the estimate fades toward zero (time constant
// 6 tau, about a minute), so a target that was slow once is tried again eventually.
//
// Pure logic over an injected time; not thread-safe (the caller holds a lock).
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/duration.h"

#include "router/latency_history.h"

namespace sy {

struct latency_summary {
  std::size_t count = 0;  // samples held (at most the last 256)
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;
};

class latency_tracker {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit latency_tracker(duration tau = std::chrono::seconds(10)) : tau_(tau) {}

  // `total`: absent while only the first token's time is known.
  void record(time_point now, std::chrono::steady_clock::duration ttft,
              std::optional<std::chrono::steady_clock::duration> total = std::nullopt);
  double ewma_ms(time_point now) const;  // 0 before any sample
  latency_summary ttft() const { return summarize(ttft_); }
  latency_summary total() const { return summarize(total_); }
  // Time to first token per minute over the last hour (the dashboard's chart).
  std::vector<minute_latency> ttft_by_minute(time_point now) const { return history_.by_minute(now); }

 private:
  static constexpr std::size_t keep = 256;
  struct ring {
    std::array<double, keep> ms{};
    std::size_t next = 0, count = 0;
    void push(double v);
  };
  static latency_summary summarize(const ring& r);

  duration tau_;
  double ewma_ms_ = 0;
  time_point last_{};
  bool seen_ = false;
  ring ttft_, total_;
  latency_history history_;
};

}  // namespace sy
