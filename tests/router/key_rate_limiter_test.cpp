#include "router/key_rate_limiter.h"

#include <gtest/gtest.h>

namespace sy {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

struct fake_clock {
  time_point now{1000s};
};

TEST(key_rate_limiter, requests_per_minute_per_client) {
  fake_clock c;
  key_rate_limiter l([&] { return c.now; });
  rate_limit lim{.requests_per_minute = 3};
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(l.admit("alice", lim));
  auto refused = l.admit("alice", lim);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->what, "requests");
  EXPECT_EQ(refused->limit, 3u);
  EXPECT_GE(refused->retry_after, 1s);
  EXPECT_LE(refused->retry_after, 61s);
  EXPECT_FALSE(l.admit("bob", lim));  // each client has its own minute
  c.now += 61s;
  EXPECT_FALSE(l.admit("alice", lim));
}

TEST(key_rate_limiter, tokens_per_minute_refuse_the_next_request) {
  fake_clock c;
  key_rate_limiter l([&] { return c.now; });
  rate_limit lim{.tokens_per_minute = 100};
  EXPECT_FALSE(l.admit("k", lim));
  l.spend_tokens("k", 150);  // known only when the request ended
  auto refused = l.admit("k", lim);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->what, "tokens");
  c.now += 30s;
  EXPECT_TRUE(l.admit("k", lim));
  c.now += 31s;
  EXPECT_FALSE(l.admit("k", lim));
}

TEST(key_rate_limiter, no_limit_admits_everything) {
  key_rate_limiter l;
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(l.admit("k", rate_limit{}));
}

}  // namespace
}  // namespace sy
