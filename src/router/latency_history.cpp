#include "router/latency_history.h"

#include <algorithm>
#include <cmath>

namespace sy {

namespace {

constexpr double lowest_ms = 0.1;
constexpr double decades = 6;  // 0.1 ms to 100 s
constexpr double bins_per_decade = latency_history::bins / decades;

std::int64_t minute_of(latency_history::time_point t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}

std::size_t bin_of(double ms) {
  if (!(ms > lowest_ms)) return 0;  // (NaN too)
  auto b = static_cast<std::size_t>(std::log10(ms / lowest_ms) * bins_per_decade);
  return std::min(b, latency_history::bins - 1);
}

// The geometric middle of a bin: what a sample in it is taken to be.
double middle_of(std::size_t bin) {
  return lowest_ms * std::pow(10.0, (static_cast<double>(bin) + 0.5) / bins_per_decade);
}

}  // namespace

void latency_history::record(time_point now, double ms) {
  auto index = minute_of(now);
  auto& m = ring_[static_cast<std::size_t>(index) % minutes];
  if (m.index != index) m = minute{index, 0, {}};
  ++m.count;
  ++m.bin[bin_of(ms)];
}

std::vector<minute_latency> latency_history::by_minute(time_point now) const {
  auto current = minute_of(now);
  std::vector<minute_latency> out;
  for (const auto& m : ring_) {
    if (m.index < 0 || m.count == 0 || current - m.index >= static_cast<std::int64_t>(minutes) || m.index > current)
      continue;
    minute_latency s{current - m.index, m.count};
    auto at = [&](double q) {  // the bin holding the q-th sample
      auto rank = static_cast<std::uint64_t>(q * m.count);
      std::uint64_t seen = 0;
      for (std::size_t b = 0; b < bins; ++b) {
        seen += m.bin[b];
        if (seen > rank) return middle_of(b);
      }
      return middle_of(bins - 1);
    };
    s.p50_ms = at(0.5);
    s.p90_ms = at(0.9);
    s.p99_ms = at(0.99);
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.minutes_ago > b.minutes_ago; });
  return out;
}

}  // namespace sy
