#include "router/latency_tracker.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sy {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

TEST(latency_tracker, a_peak_is_taken_at_once_and_decays_with_fast_samples) {
  latency_tracker l(10s);
  time_point t{100s};
  EXPECT_EQ(l.ewma_ms(t), 0);
  l.record(t, 100ms);
  EXPECT_DOUBLE_EQ(l.ewma_ms(t), 100);
  l.record(t + 1ms, 900ms);  // slow: the estimate jumps
  EXPECT_DOUBLE_EQ(l.ewma_ms(t + 1ms), 900);
  // fast samples pull it down, more so when they are further apart
  l.record(t + 10s, 100ms);
  double after_one = l.ewma_ms(t + 10s);
  EXPECT_LT(after_one, 900);
  EXPECT_GT(after_one, 100);
  EXPECT_NEAR(after_one, 900 * std::exp(-1.0) + 100 * (1 - std::exp(-1.0)), 1);
}

TEST(latency_tracker, an_idle_estimate_fades_so_the_target_is_tried_again) {
  latency_tracker l(10s);
  time_point t{100s};
  l.record(t, 1000ms);
  EXPECT_GT(l.ewma_ms(t + 10s), 800);
  EXPECT_LT(l.ewma_ms(t + 5min), 10);
}

TEST(latency_tracker, percentiles_of_the_last_samples) {
  latency_tracker l;
  time_point t{100s};
  for (int i = 1; i <= 100; ++i) l.record(t, std::chrono::milliseconds(i), std::chrono::milliseconds(10 * i));
  auto f = l.ttft();
  EXPECT_EQ(f.count, 100u);
  EXPECT_DOUBLE_EQ(f.p50_ms, 51);
  EXPECT_DOUBLE_EQ(f.p90_ms, 91);
  EXPECT_DOUBLE_EQ(f.p99_ms, 100);
  EXPECT_DOUBLE_EQ(l.total().p50_ms, 510);
  for (int i = 0; i < 1000; ++i) l.record(t, 5ms);  // only the last 256 are kept
  EXPECT_EQ(l.ttft().count, 256u);
  EXPECT_DOUBLE_EQ(l.ttft().p99_ms, 5);
}

}  // namespace
}  // namespace sy
