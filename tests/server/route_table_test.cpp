#include "server/route_table.h"

#include <gtest/gtest.h>

#include "api/ollama_paths.h"

using namespace sy;
using verb = boost::beast::http::verb;

namespace {

const route& expect_route(std::string_view path, verb method, route_id id, bool allowed = true) {
  auto m = match_route(path, method);
  EXPECT_TRUE(m.found) << path;
  static const route none{};
  if (!m.found) return none;
  EXPECT_EQ(m.found->id, id) << path;
  EXPECT_EQ(m.method_allowed, allowed) << path;
  return *m.found;
}

}  // namespace

TEST(route_table, inference_takes_post_only_and_is_rate_limited) {
  for (auto path : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings"}) {
    EXPECT_TRUE(expect_route(path, verb::post, route_id::openai_inference).rate_limited);
    EXPECT_EQ(allowed_method(expect_route(path, verb::get, route_id::openai_inference, false)), "POST");
  }
  EXPECT_EQ(expect_route("/v1/messages", verb::post, route_id::messages).errors, route_errors::anthropic);
  EXPECT_EQ(expect_route("/v1/messages/count_tokens", verb::post, route_id::count_tokens).errors,
            route_errors::anthropic);
  expect_route("/v1/responses", verb::post, route_id::responses);
}

TEST(route_table, every_ollama_endpoint_answers_in_ollamas_words) {
  for (auto path : api::ollama_inference_paths) {
    const auto& r = expect_route(path, verb::post, route_id::ollama);
    EXPECT_EQ(r.errors, route_errors::ollama) << path;
    EXPECT_TRUE(r.rate_limited) << path;
  }
  for (auto path : api::ollama_listing_paths) {
    expect_route(path, verb::get, route_id::ollama);
    expect_route(path, verb::head, route_id::ollama);
    EXPECT_EQ(allowed_method(expect_route(path, verb::post, route_id::ollama, false)), "GET");
  }
  expect_route(api::ollama_show_path, verb::post, route_id::ollama);
  for (const auto& r : gateway_routes())
    if (api::is_ollama_path(r.path)) EXPECT_EQ(r.errors, route_errors::ollama) << r.path;
}

TEST(route_table, admin_reads_exist_for_get_only) {
  expect_route("/api/backends", verb::get, route_id::backends);
  expect_route("/api/router", verb::get, route_id::router);
  expect_route("/api/usage", verb::get, route_id::usage);
  expect_route("/api/events", verb::get, route_id::events);
  // another method: no such endpoint, but only after a key (it is under /api/)
  const auto& r = expect_route("/api/backends", verb::post, route_id::not_found);
  EXPECT_EQ(r.auth, route_auth::key);
  EXPECT_EQ(allowed_method(expect_route("/api/config/reload", verb::get, route_id::config_reload, false)), "POST");
  EXPECT_FALSE(expect_route("/api/config/reload", verb::post, route_id::config_reload).rate_limited);
}

TEST(route_table, handlers_that_decide_their_own_methods_get_any) {
  for (auto m : {verb::get, verb::post, verb::delete_}) {
    expect_route("/api/hub/search", m, route_id::hub);
    expect_route("/api/models/pull", m, route_id::hub);
    expect_route("/api/models", m, route_id::engines);
    expect_route("/api/engines/load", m, route_id::engines);
    expect_route("/health", m, route_id::health);
  }
}

TEST(route_table, models_list_and_get) {
  expect_route("/v1/models", verb::get, route_id::model_list);
  EXPECT_EQ(allowed_method(expect_route("/v1/models", verb::post, route_id::model_list, false)), "GET");
  expect_route("/v1/models/local/tiny", verb::get, route_id::model_get);
  expect_route("/v1/models/x", verb::delete_, route_id::not_found);
}

TEST(route_table, outside_the_api_only_a_few_paths_exist_and_need_no_key) {
  EXPECT_EQ(expect_route("/", verb::get, route_id::root).auth, route_auth::none);
  EXPECT_EQ(expect_route("/health", verb::get, route_id::health).auth, route_auth::none);
  EXPECT_EQ(expect_route("/metrics", verb::get, route_id::metrics).auth, route_auth::metrics);
  EXPECT_FALSE(match_route("/", verb::post).found);
  EXPECT_FALSE(match_route("/metrics", verb::post).found);
  EXPECT_FALSE(match_route("/v1", verb::get).found);
  EXPECT_FALSE(match_route("/favicon.ico", verb::get).found);
}

TEST(route_table, unknown_api_paths_need_a_key_and_keep_their_apis_error_shape) {
  EXPECT_EQ(expect_route("/v1/nothing", verb::get, route_id::not_found).auth, route_auth::key);
  EXPECT_EQ(expect_route("/api/nothing", verb::post, route_id::not_found).errors, route_errors::openai);
  EXPECT_EQ(expect_route("/v1/messages/batches", verb::get, route_id::not_found).errors, route_errors::anthropic);
}

TEST(route_table, only_inference_is_rate_limited_and_only_the_api_checks_bodies) {
  for (const auto& r : gateway_routes()) {
    const bool inference = r.id == route_id::openai_inference || r.id == route_id::messages ||
                           r.id == route_id::count_tokens || r.id == route_id::responses ||
                           (r.id == route_id::ollama && r.methods == method_bit(verb::post));
    EXPECT_EQ(r.rate_limited, inference) << r.path;
    EXPECT_EQ(r.json_body, r.path.starts_with("/v1/") || r.path.starts_with("/api/")) << r.path;
  }
}
