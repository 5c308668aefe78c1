#include "router/health_tracker.h"

#include <gtest/gtest.h>

namespace sy {
namespace {

using time_point = std::chrono::steady_clock::time_point;

TEST(health_tracker, thresholds_decide_transitions) {
  health_settings s;
  s.unhealthy_after = 2;
  s.healthy_after = 3;
  health_tracker h(s);
  time_point t{};
  EXPECT_EQ(h.state(), health_state::unknown);
  EXPECT_TRUE(h.routable());
  EXPECT_TRUE(h.on_check(t, true, ""));
  EXPECT_EQ(h.state(), health_state::healthy);
  EXPECT_FALSE(h.on_check(t, false, "refused"));  // one failure is not enough
  EXPECT_TRUE(h.on_check(t, false, "refused"));
  EXPECT_EQ(h.state(), health_state::unhealthy);
  EXPECT_FALSE(h.routable());
  EXPECT_EQ(h.last_error(), "refused");
  EXPECT_FALSE(h.on_check(t, true, ""));
  EXPECT_FALSE(h.on_check(t, true, ""));
  EXPECT_TRUE(h.on_check(t, true, ""));  // the third success in a row readmits it
  EXPECT_EQ(h.state(), health_state::healthy);
  EXPECT_EQ(h.checks(), 6u);
}

}  // namespace
}  // namespace sy
