#include "router/model_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

struct fixture : testing::Test {
  sy::config cfg;
  std::unique_ptr<sy::model_catalog> catalog;
  void SetUp() override {
    cfg.backends.push_back({.name = "openai", .url = "https://api.openai.com/v1", .models = {"gpt-4o-mini"}});
    cfg.backends.push_back({.name = "vllm", .url = "http://127.0.0.1:8000/v1"});
    cfg.aliases["gpt"] = "openai/gpt-4o-mini";
    cfg.routes.push_back({.model = "chat", .targets = {"vllm/qwen", "openai/gpt-4o-mini"}});
    catalog = std::make_unique<sy::model_catalog>(cfg);
  }
  std::variant<sy::resolved_target, sy::unknown_model> resolve(std::string_view name) {
    auto snap = catalog->snapshot();
    return sy::model_resolver(cfg, *snap).resolve(name);
  }
};

using model_resolver = fixture;

}  // namespace

TEST_F(model_resolver, resolves_ids_aliases_routes_and_bare_names) {
  auto t = std::get<sy::resolved_target>(resolve("openai/gpt-4o-mini"));
  EXPECT_EQ(t.backend->name, "openai");
  EXPECT_EQ(t.upstream_model, "gpt-4o-mini");
  EXPECT_EQ(t.via, "id");

  t = std::get<sy::resolved_target>(resolve("gpt"));
  EXPECT_EQ(t.id, "openai/gpt-4o-mini");
  EXPECT_EQ(t.via, "alias");

  t = std::get<sy::resolved_target>(resolve("chat"));
  EXPECT_EQ(t.id, "vllm/qwen");
  EXPECT_EQ(t.via, "route");

  t = std::get<sy::resolved_target>(resolve("gpt-4o-mini"));
  EXPECT_EQ(t.id, "openai/gpt-4o-mini");
  EXPECT_EQ(t.via, "name");
}

TEST_F(model_resolver, keeps_slashes_in_upstream_model_names) {
  auto t = std::get<sy::resolved_target>(resolve("vllm/Qwen/Qwen2.5-7B-Instruct"));
  EXPECT_EQ(t.backend->name, "vllm");
  EXPECT_EQ(t.upstream_model, "Qwen/Qwen2.5-7B-Instruct");
}

TEST_F(model_resolver, passes_through_until_the_list_is_known_then_suggests) {
  // vllm's list is not known yet: any model id goes through
  EXPECT_TRUE(std::holds_alternative<sy::resolved_target>(resolve("vllm/qwen-typo")));
  catalog->update_listing("vllm", sy::model_listing{{"qwen", "llama"}, {}});
  auto unknown = std::get<sy::unknown_model>(resolve("vllm/qwne"));
  EXPECT_THAT(unknown.suggestions, testing::Contains("vllm/qwen"));
  EXPECT_THAT(unknown.message, testing::HasSubstr("did you mean"));
  // a failed refresh keeps the last good list
  catalog->listing_failed("vllm", "connection refused");
  EXPECT_TRUE(std::holds_alternative<sy::resolved_target>(resolve("vllm/llama")));
}

TEST_F(model_resolver, unknown_names_get_close_matches) {
  auto unknown = std::get<sy::unknown_model>(resolve("gpt-4o-mnii"));
  EXPECT_THAT(unknown.suggestions, testing::Contains("openai/gpt-4o-mini"));
  unknown = std::get<sy::unknown_model>(resolve("totally-different"));
  EXPECT_TRUE(unknown.suggestions.empty());
  EXPECT_THAT(unknown.message, testing::HasSubstr("GET /v1/models"));
  unknown = std::get<sy::unknown_model>(resolve("nobackend/x"));
  EXPECT_THAT(unknown.message, testing::HasSubstr("not found"));
}

TEST_F(model_resolver, a_route_carries_its_later_targets_as_fallbacks) {
  auto t = std::get<sy::resolved_target>(resolve("chat"));
  EXPECT_EQ(t.id, "vllm/qwen");
  EXPECT_THAT(t.fallbacks, testing::ElementsAre("openai/gpt-4o-mini"));
  // a target its backend does not list is skipped; the next one leads
  catalog->update_listing("vllm", sy::model_listing{{"llama"}, {}});
  t = std::get<sy::resolved_target>(resolve("chat"));
  EXPECT_EQ(t.id, "openai/gpt-4o-mini");
  EXPECT_TRUE(t.fallbacks.empty());
  EXPECT_TRUE(std::get<sy::resolved_target>(resolve("gpt")).fallbacks.empty());  // aliases have none
}

TEST_F(model_resolver, only_known_models_count_under_their_own_name) {
  auto t = std::get<sy::resolved_target>(resolve("vllm/anything-a-client-made-up"));
  EXPECT_FALSE(t.known);
  EXPECT_EQ(t.stats_id(), "vllm/(other)");
  t = std::get<sy::resolved_target>(resolve("vllm/qwen"));  // a route's target: configured
  EXPECT_TRUE(t.known);
  EXPECT_EQ(t.stats_id(), "vllm/qwen");
  EXPECT_TRUE(std::get<sy::resolved_target>(resolve("openai/gpt-4o-mini")).known);  // configured model list
  EXPECT_TRUE(std::get<sy::resolved_target>(resolve("gpt")).known);
  EXPECT_TRUE(std::get<sy::resolved_target>(resolve("chat")).known);
  catalog->update_listing("vllm", sy::model_listing{{"llama"}, {}});
  EXPECT_TRUE(std::get<sy::resolved_target>(resolve("vllm/llama")).known);  // listed
}

TEST_F(model_resolver, refuses_names_that_are_too_long_or_carry_control_characters) {
  EXPECT_FALSE(sy::model_name_problem("vllm/Qwen/Qwen2.5-7B-Instruct:Q4_K_M"));
  EXPECT_FALSE(sy::model_name_problem(std::string(256, 'm')));
  EXPECT_THAT(*sy::model_name_problem(std::string(257, 'm')), testing::HasSubstr("at most 256"));
  EXPECT_TRUE(sy::model_name_problem(std::string("a\0b", 3)));
  EXPECT_TRUE(sy::model_name_problem("a\r\nb"));
  EXPECT_TRUE(sy::model_name_problem("a\x7f"));
  EXPECT_TRUE(sy::model_name_problem(""));
  EXPECT_TRUE(std::holds_alternative<sy::unknown_model>(resolve("vllm/" + std::string(300, 'x'))));
}
