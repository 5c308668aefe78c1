// Which model gives way, decided from a snapshot with an injected clock (no processes).
#include "engine/eviction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace std::chrono_literals;
using sy::engine::engine_usage;
using testing::ElementsAre;

namespace {

const auto t0 = std::chrono::steady_clock::time_point{} + 1h;

engine_usage used(std::string name, std::chrono::seconds ago, unsigned in_flight = 0, bool busy = false) {
  return {.name = std::move(name), .loaded = true, .busy = busy, .in_flight = in_flight, .last_used = t0 - ago};
}

}  // namespace

TEST(eviction, the_least_recently_used_idle_model_gives_way) {
  std::vector<engine_usage> e{used("a", 10s), used("b", 30s), used("c", 20s)};
  EXPECT_EQ(sy::engine::lru_victim(e, "new"), "b");
}

TEST(eviction, never_a_model_in_use_loading_or_the_one_being_loaded) {
  std::vector<engine_usage> e{used("a", 50s, 1), used("b", 40s, 0, true), used("c", 30s), used("d", 60s)};
  e[3].loaded = false;  // d is not loaded: nothing to free
  EXPECT_EQ(sy::engine::lru_victim(e, "x"), "c");
  EXPECT_EQ(sy::engine::lru_victim(e, "c"), std::nullopt);
  EXPECT_EQ(sy::engine::lru_victim({used("a", 5s, 2)}, "x"), std::nullopt);
}

TEST(eviction, idle_models_expire_after_the_ttl_only_when_nothing_is_in_flight) {
  std::vector<engine_usage> e{used("a", 601s), used("b", 599s), used("c", 900s, 1), used("d", 600s)};
  EXPECT_THAT(sy::engine::idle_expired(e, 10min, t0), ElementsAre("a", "d"));
  EXPECT_TRUE(sy::engine::idle_expired(e, 0s, t0).empty());  // 0 = never
}
