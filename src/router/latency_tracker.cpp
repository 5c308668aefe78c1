#include "router/latency_tracker.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sy {

namespace {
double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
}  // namespace

void latency_tracker::ring::push(double v) {
  ms[next] = v;
  next = (next + 1) % keep;
  count = std::min(count + 1, keep);
}

void latency_tracker::record(time_point now, std::chrono::steady_clock::duration ttft,
                             std::optional<std::chrono::steady_clock::duration> total) {
  double sample = std::max(0.0, ms(ttft));
  if (!seen_ || sample >= ewma_ms_) {
    ewma_ms_ = sample;
  } else {
    double dt = std::max(0.0, ms(now - last_));
    double w = std::exp(-dt / std::max(1.0, ms(tau_)));
    ewma_ms_ = ewma_ms_ * w + sample * (1 - w);
  }
  seen_ = true;
  last_ = now;
  ttft_.push(sample);
  history_.record(now, sample);
  if (total) total_.push(std::max(0.0, ms(*total)));
}

double latency_tracker::ewma_ms(time_point now) const {
  if (!seen_) return 0;
  double idle = std::max(0.0, ms(now - last_));
  return ewma_ms_ * std::exp(-idle / std::max(1.0, ms(tau_) * 6));  // stale estimates fade over about a minute
}

latency_summary latency_tracker::summarize(const ring& r) {
  latency_summary s;
  s.count = r.count;
  if (r.count == 0) return s;
  std::vector<double> v(r.ms.begin(), r.ms.begin() + static_cast<std::ptrdiff_t>(r.count));
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  s.p50_ms = at(0.5);
  s.p90_ms = at(0.9);
  s.p99_ms = at(0.99);
  return s;
}

}  // namespace sy
