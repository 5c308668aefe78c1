#include "router/latency_history.h"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using sy::latency_history;

const latency_history::time_point t0{std::chrono::hours(1000)};  // on a minute boundary

TEST(latency_history, percentiles_per_minute_within_a_bin) {
  latency_history h;
  for (int i = 1; i <= 100; ++i) h.record(t0 + 10s, i);  // 1..100 ms in the first minute
  for (int i = 0; i < 10; ++i) h.record(t0 + 70s, 500);  // 500 ms in the next
  auto m = h.by_minute(t0 + 90s);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].minutes_ago, 1);  // oldest first
  EXPECT_EQ(m[0].count, 100u);
  // a bin is ~33 % wide: percentiles come out within that of the true value
  EXPECT_NEAR(m[0].p50_ms, 50, 50 * 0.34);
  EXPECT_NEAR(m[0].p90_ms, 90, 90 * 0.34);
  EXPECT_NEAR(m[0].p99_ms, 99, 99 * 0.34);
  EXPECT_EQ(m[1].minutes_ago, 0);
  EXPECT_NEAR(m[1].p50_ms, 500, 500 * 0.34);
}

TEST(latency_history, keeps_the_last_hour_only) {
  latency_history h;
  h.record(t0, 5);
  h.record(t0 + 30min, 7);
  EXPECT_EQ(h.by_minute(t0 + 59min).size(), 2u);
  auto later = h.by_minute(t0 + 61min);  // the first minute is more than an hour old
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].minutes_ago, 31);
  h.record(t0 + 90min, 9);  // lands in the slot of t0 + 30min: it replaces it
  auto now = h.by_minute(t0 + 90min);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].count, 1u);
}

TEST(latency_history, extreme_samples_land_in_the_end_bins) {
  latency_history h;
  h.record(t0, 0);
  h.record(t0, -3);
  h.record(t0, 1e9);
  auto m = h.by_minute(t0);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].count, 3u);
  EXPECT_LT(m[0].p50_ms, 0.2);
  EXPECT_GT(m[0].p99_ms, 50'000);
}

}  // namespace
