#include "router/retry_budget.h"

#include <gtest/gtest.h>

namespace sy {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

TEST(retry_budget, allows_the_floor_plus_a_share_of_requests_over_the_window) {
  retry_settings s;
  s.budget_ratio = 0.2;
  s.budget_min_per_second = 1;
  s.budget_window = 10s;
  retry_budget b(s);
  time_point t{1000s};
  for (int i = 0; i < 100; ++i) b.on_request(t);
  // 10 s × 1/s + 20% of 100 = 30 retries
  int granted = 0;
  while (b.try_retry(t)) ++granted;
  EXPECT_EQ(granted, 30);
  EXPECT_EQ(b.refused(), 1u);
  // a dead fleet cannot multiply traffic: more requests earn only their 20%
  for (int i = 0; i < 50; ++i) b.on_request(t + 1s);
  granted = 0;
  while (b.try_retry(t + 1s)) ++granted;
  EXPECT_EQ(granted, 10);
}

TEST(retry_budget, the_window_slides) {
  retry_settings s;
  s.budget_ratio = 0;
  s.budget_min_per_second = 1;
  s.budget_window = 10s;
  retry_budget b(s);
  time_point t{1000s};
  int granted = 0;
  while (b.try_retry(t)) ++granted;
  EXPECT_EQ(granted, 10);
  EXPECT_FALSE(b.try_retry(t + 5s));
  EXPECT_TRUE(b.try_retry(t + 11s));  // the spent retries left the window
  EXPECT_EQ(b.retries(t + 11s), 1u);
}

TEST(retry_budget, zero_budget_refuses_every_retry) {
  retry_settings s;
  s.budget_ratio = 0;
  s.budget_min_per_second = 0;
  retry_budget b(s);
  time_point t{1000s};
  b.on_request(t);
  EXPECT_FALSE(b.try_retry(t));
}

}  // namespace
}  // namespace sy
