#include "http/host_check.h"

#include <gtest/gtest.h>

TEST(host_check, loopback_listener_accepts_only_local_names) {
  sy::http::host_check check(true, {"gateway.lan"});
  for (auto ok :
       {"localhost", "localhost:8321", "127.0.0.1:8321", "127.1.2.3", "[::1]:8321", "LOCALHOST", "gateway.lan:80"})
    EXPECT_TRUE(check.allows(ok)) << ok;
  for (auto bad : {"", "evil.com", "evil.com:8321", "127.0.0.1.evil.com", "[::1", "localhost.evil.com:80"})
    EXPECT_FALSE(check.allows(bad)) << bad;
}

TEST(host_check, other_listeners_accept_any_host) {
  sy::http::host_check check(false, {});
  EXPECT_TRUE(check.allows("anything.example:1"));
}
