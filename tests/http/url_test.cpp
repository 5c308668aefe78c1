#include "http/url.h"

#include <gtest/gtest.h>

TEST(base_url, splits_scheme_host_port_and_prefix) {
  auto u = sy::http::parse_base_url("https://api.openai.com/v1/");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "api.openai.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->path_prefix, "/v1");
  EXPECT_EQ(u->host_header, "api.openai.com");

  u = sy::http::parse_base_url("http://[::1]:8080");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->path_prefix, "");
  EXPECT_EQ(u->host_header, "[::1]:8080");
}

TEST(base_url, refuses_what_is_not_a_plain_base_url) {
  std::string why;
  for (auto bad : {"ftp://x", "api.openai.com/v1", "http://user:pw@host/v1", "http://host/v1?x=1", "http:///v1", ""})
    EXPECT_FALSE(sy::http::parse_base_url(bad, &why)) << bad;
}

TEST(query_param, reads_one_decoded_parameter_of_a_request_target) {
  EXPECT_EQ(sy::http::query_param("/api/router?history=mock%2Fmock-chat&x=1", "history"), "mock/mock-chat");
  EXPECT_EQ(sy::http::query_param("/api/requests/bodies?id=42", "id"), "42");
  EXPECT_EQ(sy::http::query_param("/api/requests/bodies?id=", "id"), "");
  EXPECT_EQ(sy::http::query_param("/api/requests/bodies", "id"), "");
  EXPECT_EQ(sy::http::query_param("/api/x?idx=1", "id"), "");
  EXPECT_EQ(sy::http::query_param("not a target", "id"), "");
}
