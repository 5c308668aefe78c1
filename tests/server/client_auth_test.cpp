#include "server/client_auth.h"

#include <gtest/gtest.h>

using namespace sy;
namespace bhttp = sy::http::bhttp;

namespace {

http::request post(std::string_view content_type, std::string body = "{}") {
  http::request req{bhttp::verb::post, "/v1/chat/completions", 11};
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = std::move(body);
  return req;
}

std::optional<std::string> presented_key(const config& cfg, const http::request& req) {
  return sy::presented_key(cfg, http::scan_head_fields(req));
}

bool body_is_json(const http::request& req) {
  return sy::body_is_json(req, http::scan_head_fields(req).content_type);
}

}  // namespace

TEST(client_auth, without_configured_keys_everyone_presents_the_empty_key) {
  config cfg;
  EXPECT_EQ(presented_key(cfg, post("application/json")), "");
}

TEST(client_auth, a_configured_key_is_taken_from_bearer_or_x_api_key) {
  config cfg;
  cfg.server.api_keys = {"sk-one", "sk-two"};
  auto req = post("application/json");
  EXPECT_EQ(presented_key(cfg, req), std::nullopt);
  req.set(bhttp::field::authorization, "Bearer sk-two");
  EXPECT_EQ(presented_key(cfg, req), "sk-two");
  req.set(bhttp::field::authorization, "bearer sk-one");  // the scheme is case-insensitive
  EXPECT_EQ(presented_key(cfg, req), "sk-one");
  req.set(bhttp::field::authorization, "Bearer sk-three");
  EXPECT_EQ(presented_key(cfg, req), std::nullopt);
  req.erase(bhttp::field::authorization);
  req.set("x-api-key", "sk-one");  // Anthropic's header
  EXPECT_EQ(presented_key(cfg, req), "sk-one");
  req.set("x-api-key", "sk-on");
  EXPECT_EQ(presented_key(cfg, req), std::nullopt);
}

TEST(client_auth, only_json_bodies_are_read) {
  EXPECT_TRUE(body_is_json(post("application/json")));
  EXPECT_TRUE(body_is_json(post("Application/JSON; charset=utf-8")));
  EXPECT_TRUE(body_is_json(post("application/merge-patch+json")));
  EXPECT_TRUE(body_is_json(post("", "")));  // curl -X POST without a body
  EXPECT_FALSE(body_is_json(post("")));     // a body without a type (a Blob from a web page)
  EXPECT_FALSE(body_is_json(post("text/plain")));
  EXPECT_FALSE(body_is_json(post("application/x-www-form-urlencoded")));
  EXPECT_FALSE(body_is_json(post("multipart/form-data; boundary=x")));
  EXPECT_FALSE(body_is_json(post("application/+json")));
  http::request get{bhttp::verb::get, "/v1/models", 11};
  get.set(bhttp::field::content_type, "text/plain");
  EXPECT_TRUE(body_is_json(get));  // a GET's body is never read
}
