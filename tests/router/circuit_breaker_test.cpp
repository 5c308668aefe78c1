// The circuit breaker over an injected clock: trips, growing pauses, half-open probes, cooldowns.
#include "router/circuit_breaker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace std::chrono_literals;
using sy::breaker_state;
using sy::circuit_breaker;

namespace {
const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
}

TEST(circuit_breaker, opens_after_consecutive_failures_then_probes_and_closes) {
  circuit_breaker b({.consecutive_failures = 3, .open_base = 5s, .probes = 1, .close_after = 2});
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.allow(t0));
    b.on_failure(t0, "HTTP 503");
  }
  EXPECT_EQ(b.state(t0), breaker_state::closed);
  ASSERT_TRUE(b.allow(t0));
  b.on_failure(t0, "HTTP 503");
  EXPECT_EQ(b.state(t0), breaker_state::open);
  EXPECT_FALSE(b.allow(t0 + 4s));
  // after the pause: one probe at a time
  EXPECT_EQ(b.state(t0 + 5s), breaker_state::half_open);
  EXPECT_TRUE(b.allow(t0 + 5s));
  EXPECT_FALSE(b.allow(t0 + 5s));
  b.on_success(t0 + 6s);
  EXPECT_EQ(b.state(t0 + 6s), breaker_state::half_open);
  EXPECT_TRUE(b.allow(t0 + 6s));
  b.on_success(t0 + 7s);
  EXPECT_EQ(b.state(t0 + 7s), breaker_state::closed);
  EXPECT_THAT(b.transitions().back().why, testing::HasSubstr("probes succeeded"));
}

TEST(circuit_breaker, a_failed_probe_reopens_for_longer_up_to_the_cap) {
  circuit_breaker b({.consecutive_failures = 1, .open_base = 5s, .open_max = 12s});
  b.allow(t0);
  b.on_failure(t0, "reset");
  EXPECT_EQ(b.open_until(), t0 + 5s);
  ASSERT_TRUE(b.allow(t0 + 5s));
  b.on_failure(t0 + 5s, "reset");
  EXPECT_EQ(b.open_until(), t0 + 15s);  // 10 s: doubled
  ASSERT_TRUE(b.allow(t0 + 15s));
  b.on_failure(t0 + 15s, "reset");
  EXPECT_EQ(b.open_until(), t0 + 27s);  // 12 s: capped
  EXPECT_EQ(b.trips(), 3u);
}

TEST(circuit_breaker, opens_on_a_failure_rate_once_enough_requests_are_seen) {
  circuit_breaker b({.consecutive_failures = 100, .failure_rate = 0.5, .min_requests = 10, .window = 60s});
  for (int i = 0; i < 9; ++i) {  // alternate: never 100 in a row, 5 of 9 failed but too few seen
    b.allow(t0);
    i % 2 ? b.on_success(t0) : b.on_failure(t0, "x");
  }
  EXPECT_EQ(b.state(t0), breaker_state::closed);
  b.allow(t0);
  b.on_failure(t0, "x");  // 6 of 10
  EXPECT_EQ(b.state(t0), breaker_state::open);
  // old answers leave the window
  circuit_breaker c({.consecutive_failures = 100, .failure_rate = 0.5, .min_requests = 4, .window = 10s});
  for (int i = 0; i < 3; ++i) c.on_failure(t0, "x");
  c.on_success(t0 + 20s);
  c.on_success(t0 + 20s);
  c.on_success(t0 + 20s);
  c.on_failure(t0 + 20s, "x");
  EXPECT_EQ(c.state(t0 + 20s), breaker_state::closed);  // 1 of 4 within the window
}

TEST(circuit_breaker, a_cooldown_holds_requests_without_counting_a_trip) {
  circuit_breaker b;
  b.cool_down(t0, t0 + 7s);
  EXPECT_FALSE(b.allow(t0 + 6s));
  EXPECT_TRUE(b.allow(t0 + 7s));
  EXPECT_EQ(b.trips(), 0u);
  b.on_abandoned();  // the probe was never sent: another may go
  EXPECT_TRUE(b.allow(t0 + 7s));
}

TEST(retry_after, seconds_or_an_http_date_clamped_and_garbage_ignored) {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(sy::parse_retry_after("7", now), 7s);
  EXPECT_EQ(sy::parse_retry_after(" 0 ", now), 0s);
  EXPECT_EQ(sy::parse_retry_after("99999999999999999999", now), 5min);
  EXPECT_EQ(sy::parse_retry_after("86400", now), 5min);
  EXPECT_EQ(sy::parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), 30s);
  EXPECT_EQ(sy::parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);  // in the past
  EXPECT_EQ(sy::parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(sy::parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(sy::parse_retry_after("1.5", now), std::nullopt);
  EXPECT_EQ(sy::parse_retry_after("", now), std::nullopt);
}
