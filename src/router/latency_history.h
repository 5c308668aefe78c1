#pragma once
// A target's time to first token per minute over the last hour, for the dashboard's latency
// chart: each minute keeps a log-scale histogram (48 bins from 0.1 ms to 100 s, each bin ~33 %
// wide), so percentiles come out within a bin's width, in fixed memory (~12 KB per target),
// at the cost of one logarithm per sample.
//
// Pure logic over an injected steady time; not thread-safe (the caller holds a lock).
#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

namespace sy {

struct minute_latency {
  std::int64_t minutes_ago = 0;  // 0: the current minute
  std::uint32_t count = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;
};

class latency_history {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr std::size_t minutes = 60, bins = 48;

  void record(time_point now, double ms);
  // The minutes of the last hour that had samples, oldest first.
  std::vector<minute_latency> by_minute(time_point now) const;

 private:
  struct minute {
    std::int64_t index = -1;  // minutes since the clock's epoch; -1: unused
    std::uint32_t count = 0;
    std::array<std::uint32_t, bins> bin{};
  };
  std::array<minute, minutes> ring_{};
};

}  // namespace sy
