#include "http/origin_check.h"

#include <gtest/gtest.h>

using sy::http::origin_check;

TEST(origin_check, clients_that_are_not_browsers_send_no_origin_and_pass) {
  origin_check check({});
  EXPECT_TRUE(check.allows("", "", "127.0.0.1:8321"));
  EXPECT_TRUE(check.allows("", "same-origin", "127.0.0.1:8321"));
  EXPECT_TRUE(check.allows("", "none", "127.0.0.1:8321"));  // typed in the address bar
}

TEST(origin_check, pages_on_other_sites_are_refused) {
  origin_check check({});
  for (auto origin : {"https://evil.example", "http://evil.example:8321", "null", "file://",
                      "http://127.0.0.1.evil.com", "http://localhost.evil.com:8321", "garbage"})
    EXPECT_FALSE(check.allows(origin, "cross-site", "127.0.0.1:8321")) << origin;
  // an <img> or <script> GET carries no Origin, only Sec-Fetch-Site
  EXPECT_FALSE(check.allows("", "cross-site", "127.0.0.1:8321"));
  EXPECT_FALSE(check.allows("", "Cross-Site", "127.0.0.1:8321"));
}

TEST(origin_check, loopback_and_same_origin_pages_pass) {
  origin_check check({});
  for (auto origin :
       {"http://localhost:3000", "http://127.0.0.1:8321", "https://[::1]:8443", "http://LOCALHOST", "http://127.9.9.9"})
    EXPECT_TRUE(check.allows(origin, "same-site", "127.0.0.1:8321")) << origin;
  // the dashboard served to the LAN from 192.168.1.5 talks to its own origin
  EXPECT_TRUE(check.allows("http://192.168.1.5:8321", "same-origin", "192.168.1.5:8321"));
  EXPECT_FALSE(check.allows("http://192.168.1.5:8321", "cross-site", "192.168.1.5:9999"));
}

TEST(origin_check, configured_origins_pass_with_wildcards) {
  origin_check check({"https://app.example.com/", "chrome-extension://*", "https://*.corp.example"});
  EXPECT_TRUE(check.allows("https://app.example.com", "cross-site", "127.0.0.1:8321"));
  EXPECT_TRUE(check.allows("HTTPS://APP.EXAMPLE.COM", "cross-site", "127.0.0.1:8321"));
  EXPECT_TRUE(check.allows("chrome-extension://abcdef", "cross-site", "127.0.0.1:8321"));
  EXPECT_TRUE(check.allows("https://tools.corp.example", "cross-site", "127.0.0.1:8321"));
  EXPECT_FALSE(check.allows("https://app.example.com.evil", "cross-site", "127.0.0.1:8321"));
  EXPECT_FALSE(check.allows("http://app.example.com", "cross-site", "127.0.0.1:8321"));
  EXPECT_FALSE(check.allows("https://corp.example.evil", "cross-site", "127.0.0.1:8321"));
  origin_check any({"*"});
  EXPECT_TRUE(any.allows("https://anything.example", "cross-site", "127.0.0.1:8321"));
  EXPECT_TRUE(any.allows("", "cross-site", "127.0.0.1:8321"));
}
