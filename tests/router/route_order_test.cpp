#include "router/route_order.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace sy {
namespace {

std::vector<target_view> views(std::size_t n) {
  std::vector<target_view> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i].id_hash = hash_text("backend/model-" + std::to_string(i));
  return v;
}

std::size_t lead(route_strategy s, const std::vector<target_view>& v, order_state& st, std::uint64_t key = 0,
                 std::uint64_t random = 0) {
  return order_targets(s, v, st, key, random).front();
}

TEST(route_order, priority_keeps_the_configured_order_and_puts_unhealthy_targets_last) {
  auto v = views(3);
  order_state st;
  EXPECT_THAT(order_targets(route_strategy::priority, v, st, 0, 0), testing::ElementsAre(0, 1, 2));
  v[0].healthy = false;
  EXPECT_THAT(order_targets(route_strategy::priority, v, st, 0, 0), testing::ElementsAre(1, 2, 0));
}

TEST(route_order, round_robin_rotates_and_keeps_every_target_as_a_fallback) {
  auto v = views(3);
  order_state st;
  EXPECT_THAT(order_targets(route_strategy::round_robin, v, st, 0, 0), testing::ElementsAre(0, 1, 2));
  EXPECT_THAT(order_targets(route_strategy::round_robin, v, st, 0, 0), testing::ElementsAre(1, 2, 0));
  EXPECT_THAT(order_targets(route_strategy::round_robin, v, st, 0, 0), testing::ElementsAre(2, 0, 1));
}

TEST(route_order, weighted_leads_in_proportion_to_weight_smoothly) {
  auto v = views(3);
  v[0].weight = 5;
  v[1].weight = 1;
  v[2].weight = 1;
  order_state st;
  std::string seq;
  for (int i = 0; i < 7; ++i) seq += char('a' + lead(route_strategy::weighted, v, st));
  EXPECT_EQ(seq, "aabacaa");  // nginx's smooth weighted round-robin: no bursts of the heavy one
  std::map<std::size_t, int> count;
  for (int i = 0; i < 700; ++i) ++count[lead(route_strategy::weighted, v, st)];
  EXPECT_EQ(count[0], 500);
  EXPECT_EQ(count[1], 100);
  EXPECT_EQ(count[2], 100);
}

TEST(route_order, least_outstanding_prefers_the_less_loaded_of_two) {
  auto v = views(2);
  v[0].in_flight = 3;
  order_state st;
  for (std::uint64_t r = 0; r < 50; ++r) EXPECT_EQ(lead(route_strategy::least_outstanding, v, st, 0, r), 1u);
  v[0].in_flight = 0;
  v[1].in_flight = 1;
  for (std::uint64_t r = 0; r < 50; ++r) EXPECT_EQ(lead(route_strategy::least_outstanding, v, st, 0, r), 0u);
  // with equal load, the draw decides: both lead sometimes
  v[1].in_flight = 0;
  std::map<std::size_t, int> count;
  for (std::uint64_t r = 0; r < 200; ++r) ++count[lead(route_strategy::least_outstanding, v, st, 0, r * 7919)];
  EXPECT_GT(count[0], 0);
  EXPECT_GT(count[1], 0);
}

TEST(route_order, least_latency_explores_unmeasured_targets_then_prefers_the_fastest) {
  auto v = views(3);
  v[0].latency_ms = 120;
  v[1].latency_ms = 0;  // never measured
  v[2].latency_ms = 40;
  order_state st;
  EXPECT_THAT(order_targets(route_strategy::least_latency, v, st, 0, 0), testing::ElementsAre(1, 2, 0));
  v[1].latency_ms = 300;
  EXPECT_THAT(order_targets(route_strategy::least_latency, v, st, 0, 0), testing::ElementsAre(2, 0, 1));
  // load counts: 40 ms with 3 in flight (160) loses to 120 ms idle
  v[2].in_flight = 3;
  EXPECT_EQ(lead(route_strategy::least_latency, v, st), 0u);
}

TEST(route_order, consistent_hash_keeps_a_key_on_its_target_and_moves_few_keys_when_one_goes) {
  auto v = views(4);
  order_state st;
  std::map<std::size_t, int> spread;
  std::vector<std::size_t> before;
  for (int k = 0; k < 1000; ++k) {
    auto key = hash_text("session-" + std::to_string(k));
    auto a = lead(route_strategy::consistent_hash, v, st, key);
    EXPECT_EQ(lead(route_strategy::consistent_hash, v, st, key), a);  // stable
    before.push_back(a);
    ++spread[a];
  }
  for (auto& [t, n] : spread) EXPECT_NEAR(n, 250, 80) << "target " << t;
  // target 2 becomes unhealthy: only its keys move; every other key stays put
  v[2].healthy = false;
  int moved = 0;
  for (int k = 0; k < 1000; ++k) {
    auto key = hash_text("session-" + std::to_string(k));
    auto a = lead(route_strategy::consistent_hash, v, st, key);
    if (before[k] == 2) {
      EXPECT_NE(a, 2u);
      ++moved;
    } else {
      EXPECT_EQ(a, before[k]);
    }
  }
  EXPECT_EQ(moved, spread[2]);
}

TEST(route_order, a_single_target_is_its_own_order) {
  auto v = views(1);
  order_state st;
  for (auto s : {route_strategy::priority, route_strategy::round_robin, route_strategy::weighted,
                 route_strategy::least_outstanding, route_strategy::least_latency, route_strategy::consistent_hash})
    EXPECT_THAT(order_targets(s, v, st, 1, 1), testing::ElementsAre(0));
}

}  // namespace
}  // namespace sy
