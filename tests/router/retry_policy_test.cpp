#include "router/retry_policy.h"

#include <gtest/gtest.h>

#include <vector>

using namespace sy;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
  retry_policy::time_point now{};
  retry_policy::clock_fn fn() {
    return [this] { return now; };
  }
};

// The largest wait every time, so that the cap is what a test sees.
std::int64_t always_max(std::int64_t max) {
  return max;
}

retry_settings settings(unsigned max_attempts) {
  retry_settings s;
  s.max_attempts = max_attempts;
  s.backoff_base = 25ms;
  s.backoff_max = 1s;
  return s;
}

// Walks the plan sending at every step; returns the indices tried and the waits before them.
std::vector<std::pair<std::size_t, duration>> walk(retry_policy& p) {
  std::vector<std::pair<std::size_t, duration>> out;
  while (auto i = p.next()) {
    out.emplace_back(*i, p.backoff());
    p.sent();
  }
  return out;
}

}  // namespace

TEST(retry_policy, each_target_once_by_default_without_waiting) {
  fake_clock clock;
  retry_policy p(3, true, settings(0), clock.fn(), always_max);
  auto steps = walk(p);
  ASSERT_EQ(steps.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(steps[i].first, i);
    EXPECT_EQ(steps[i].second, duration::zero());  // a target's first try never waits
  }
  EXPECT_EQ(p.sends(), 3u);
}

TEST(retry_policy, more_attempts_than_targets_cycle_back_with_a_growing_capped_backoff) {
  fake_clock clock;
  retry_policy p(2, true, settings(7), clock.fn(), always_max);
  auto steps = walk(p);
  ASSERT_EQ(steps.size(), 7u);
  std::vector<std::size_t> order;
  for (auto& [i, wait] : steps) order.push_back(i);
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(steps[1].second, duration::zero());
  EXPECT_EQ(steps[2].second, duration(50ms));   // round 1: base × 2
  EXPECT_EQ(steps[4].second, duration(100ms));  // round 2: base × 4
  EXPECT_EQ(steps[6].second, duration(200ms));  // round 3: base × 8
  retry_policy many(1, true, settings(40), clock.fn(), always_max);
  auto long_walk = walk(many);
  EXPECT_EQ(long_walk.back().second, duration(1s));  // capped at backoff_max, however many rounds
}

TEST(retry_policy, the_wait_is_drawn_up_to_the_cap) {
  fake_clock clock;
  std::vector<std::int64_t> asked;
  retry_policy p(1, true, settings(2), clock.fn(), [&](std::int64_t max) {
    asked.push_back(max);
    return max / 2;
  });
  walk(p);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(duration(asked[0]), duration(50ms));
}

TEST(retry_policy, a_direct_request_is_sent_once) {
  fake_clock clock;
  retry_policy p(3, false, settings(5), clock.fn(), always_max);
  EXPECT_EQ(walk(p).size(), 1u);
  EXPECT_EQ(p.max_sends(), 1u);
}

TEST(retry_policy, steps_turned_away_before_sending_cost_no_send) {
  fake_clock clock;
  retry_policy p(3, true, settings(0), clock.fn(), always_max);
  EXPECT_EQ(p.next(), 0u);  // a full queue: no send
  EXPECT_FALSE(p.is_retry());
  EXPECT_EQ(p.following(), 1u);
  EXPECT_EQ(p.next(), 1u);
  p.sent();
  EXPECT_EQ(p.next(), 2u);
  EXPECT_TRUE(p.is_retry());  // needs the retry budget
  p.sent();
  EXPECT_EQ(p.following(), std::nullopt);
  EXPECT_EQ(p.next(), std::nullopt);
}

TEST(retry_policy, the_first_total_deadline_holds_and_passes_with_the_clock) {
  fake_clock clock;
  clock.now += 10s;
  retry_policy p(2, true, settings(0), clock.fn(), always_max);
  EXPECT_FALSE(p.deadline());
  EXPECT_FALSE(p.deadline_passed());
  const auto started = clock.now;
  p.limit_total(started, duration::zero());  // none
  EXPECT_FALSE(p.deadline());
  p.limit_total(started, 2s);
  p.limit_total(started, 30s);  // a later target's route does not move it
  EXPECT_EQ(p.deadline(), started + 2s);
  clock.now += 1999ms;
  EXPECT_FALSE(p.deadline_passed());
  clock.now += 1ms;
  EXPECT_TRUE(p.deadline_passed());
}

TEST(retry_policy, an_empty_plan_has_no_step) {
  fake_clock clock;
  retry_policy p(0, true, settings(3), clock.fn(), always_max);
  EXPECT_EQ(p.next(), std::nullopt);
}
