#include "server/request_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace sy;
using testing::ElementsAre;
using testing::HasSubstr;

namespace {

struct request_plan : testing::Test {
  config cfg;
  std::unique_ptr<model_catalog> catalog;
  void SetUp() override {
    cfg.backends.push_back({.name = "a", .url = "http://127.0.0.1:1/v1"});
    cfg.backends.push_back({.name = "b", .url = "http://127.0.0.1:2/v1"});
    cfg.backends.push_back({.name = "c", .url = "http://127.0.0.1:3/v1"});
    cfg.routes.push_back({.model = "chat", .targets = {"a/m", "b/m"}, .fallback = {"backup"}});
    cfg.routes.push_back({.model = "backup", .targets = {"b/m", "c/m"}});
    catalog = std::make_unique<model_catalog>(cfg);
  }
  // The targets in the route's config order (the strategy is the router's business).
  static std::vector<std::size_t> in_order(const route_config& r, std::uint64_t = 0) {
    std::vector<std::size_t> out(r.targets.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
    return out;
  }
  std::variant<routed_request, request_error> route(const std::string& body) {
    return route_request(body, "/chat/completions", cfg, *catalog->snapshot(), "", in_order);
  }
  std::vector<std::string> plan_ids(const std::string& model, request_needs needs = {}) {
    auto routed = std::get<routed_request>(route(R"({"model":")" + model + R"(","messages":[]})"));
    auto plan = plan_request(std::move(routed.target), needs, model, cfg, *catalog->snapshot(),
                             [](const route_config& r) { return in_order(r); });
    std::vector<std::string> ids;
    if (auto* p = std::get_if<std::vector<plan_entry>>(&plan))
      for (const auto& e : *p) ids.push_back(e.target.id);
    else
      ids.push_back("error: " + std::get<std::string>(plan));
    return ids;
  }
};

}  // namespace

TEST_F(request_plan, reads_the_routing_fields_once) {
  auto r = std::get<routed_request>(route(R"({"model":"chat","stream":true,"messages":[]})"));
  EXPECT_EQ(r.requested_model, "chat");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.target.id, "a/m");
  EXPECT_EQ(std::get<request_error>(route("{not json")).status, 400u);
  EXPECT_EQ(std::get<request_error>(route(R"({"messages":[]})")).code, "missing_model");
  EXPECT_EQ(std::get<request_error>(route(R"({"model":"nothing-like-it"})")).status, 404u);
}

TEST_F(request_plan, the_route_then_its_fallback_route_each_target_once) {
  EXPECT_THAT(plan_ids("chat"), ElementsAre("a/m", "b/m", "c/m"));  // b/m of "backup" is not tried twice
  EXPECT_THAT(plan_ids("a/m"), ElementsAre("a/m"));                 // a direct id has no fallbacks
}

TEST_F(request_plan, targets_known_to_lack_a_capability_are_left_out) {
  model_listing listing{{"m"}, {}};
  listing.capabilities["m"].tools = false;
  catalog->update_listing("a", listing);
  request_needs tools;
  tools.chat = true;
  tools.tools = true;
  EXPECT_THAT(plan_ids("chat", tools), ElementsAre("b/m", "c/m"));
  EXPECT_THAT(plan_ids("chat"), ElementsAre("a/m", "b/m", "c/m"));  // without tools, a/m is fine
  auto lone = plan_ids("a/m", tools);
  ASSERT_EQ(lone.size(), 1u);
  EXPECT_THAT(lone[0], HasSubstr("'a/m' cannot take this request: a/m does not support"));
}

TEST_F(request_plan, settings_come_from_the_targets_route) {
  cfg.routes[0].target_settings = {{}, {.max_concurrency = 3}};
  EXPECT_EQ(settings_in(&cfg.routes[0], "b/m").max_concurrency, 3u);
  EXPECT_EQ(settings_in(&cfg.routes[0], "a/m").max_concurrency, 0u);
  EXPECT_EQ(settings_in(nullptr, "a/m").max_concurrency, 0u);
}
