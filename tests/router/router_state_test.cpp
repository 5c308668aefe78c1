#include "router/router_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace sy {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::steady_clock::time_point;

attempt_result failed(std::string why) {
  return {attempt_result::kind::failure, 502, std::move(why)};
}
attempt_result ok(duration ttft) {
  attempt_result r;
  r.ttft = ttft;
  r.total = ttft * 2;
  return r;
}

struct router_state_test : testing::Test {
  time_point now{5000s};
  router_state router{[this] { return now; }};
  config cfg;
  route_config route;
  std::vector<std::pair<std::string, std::string>> events;

  void SetUp() override {
    cfg.router.breaker.consecutive_failures = 2;
    cfg.router.breaker.open_base = 10s;
    cfg.router.breaker.close_after = 1;
    route.model = "chat";
    route.targets = {"a/m", "b/m"};
    route.strategy = route_strategy::least_latency;
    cfg.routes.push_back(route);
    router.configure(cfg);
    router.set_event_sink([this](std::string_view k, std::string j) { events.emplace_back(k, std::move(j)); });
  }
};

TEST_F(router_state_test, a_failing_target_opens_goes_last_and_recovers_after_its_pause) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_FALSE(router.admit("a/m", true));
    router.started("a/m");
    router.finished("a/m", true, failed("refused"));
  }
  auto until = router.admit("a/m", true);
  ASSERT_TRUE(until);
  EXPECT_EQ(*until, now + 10s);
  EXPECT_THAT(router.order(route, 0), testing::ElementsAre(1, 0));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "breaker");
  EXPECT_THAT(events[0].second, testing::HasSubstr(R"("to":"open")"));
  now += 10s;  // the pause is over: one probe goes through and closes it
  EXPECT_FALSE(router.admit("a/m", true));
  EXPECT_TRUE(router.admit("a/m", true));  // only one probe at a time
  router.finished("a/m", true, ok(5ms));
  EXPECT_FALSE(router.admit("a/m", true));
  auto j = boost::json::parse(router.to_json(cfg)).as_object();
  auto& t = j.at("routes").at(0).at("targets").at(0).as_object();
  EXPECT_EQ(t.at("id").as_string(), "a/m");
  EXPECT_EQ(t.at("state").as_string(), "closed");
  EXPECT_EQ(t.at("failures").as_int64(), 2);
  EXPECT_EQ(t.at("last_error").as_string(), "refused");
  EXPECT_EQ(t.at("ttft").at("count").as_int64(), 1);
}

TEST_F(router_state_test, direct_requests_keep_statistics_but_never_trip_a_breaker) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(router.admit("a/m", false));
    router.started("a/m");
    router.finished("a/m", false, failed("refused"));
  }
  EXPECT_FALSE(router.admit("a/m", true));
  EXPECT_TRUE(events.empty());
}

TEST_F(router_state_test, least_latency_follows_measured_time_to_first_token) {
  router.started("a/m");
  router.finished("a/m", true, ok(200ms));
  router.started("b/m");
  router.finished("b/m", true, ok(20ms));
  EXPECT_THAT(router.order(route, 0), testing::ElementsAre(1, 0));
  // b turns slow: the peak is taken at once
  router.started("b/m");
  router.finished("b/m", true, ok(900ms));
  EXPECT_THAT(router.order(route, 0), testing::ElementsAre(0, 1));
}

TEST_F(router_state_test, a_retry_after_cools_a_target_down_without_a_trip) {
  attempt_result r{attempt_result::kind::rate_limited, 429, "slow down"};
  r.retry_after = 30s;
  router.started("b/m");
  router.finished("b/m", true, r);
  EXPECT_EQ(router.admit("b/m", true), now + 30s);
  now += 31s;
  EXPECT_FALSE(router.admit("b/m", true));
}

TEST_F(router_state_test, health_checks_mark_a_backend_unhealthy_and_order_skips_it) {
  cfg.router.health.unhealthy_after = 1;
  router.configure(cfg);
  router.on_health_check("a", false, "connection refused");
  EXPECT_EQ(router.health("a/m"), health_state::unhealthy);
  EXPECT_THAT(router.order(route, 0), testing::ElementsAre(1, 0));
  router.on_health_check("a", true, "");
  EXPECT_EQ(router.health("a/m"), health_state::healthy);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.front().first, "health");
  // a probe (local engines) overrides the backend's health
  router.set_health_probe([](std::string_view id) -> std::optional<health_state> {
    if (id == "a/m") return health_state::warming;
    return std::nullopt;
  });
  EXPECT_EQ(router.health("a/m"), health_state::warming);
}

TEST_F(router_state_test, a_reload_keeps_breakers_unless_their_settings_change) {
  for (int i = 0; i < 2; ++i) {
    router.admit("a/m", true);
    router.finished("a/m", true, failed("x"));
  }
  router.configure(cfg);  // same settings
  EXPECT_TRUE(router.admit("a/m", true));
  cfg.router.breaker.consecutive_failures = 9;
  router.configure(cfg);
  EXPECT_FALSE(router.admit("a/m", true));
}

}  // namespace
}  // namespace sy
