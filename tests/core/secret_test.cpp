#include "core/secret.h"

#include <gtest/gtest.h>

TEST(secret, masks_everything_but_the_tail_of_long_keys) {
  EXPECT_EQ(sy::mask_secret("sk-proj-abcdefghijklmnop1234"), "********1234");
  EXPECT_EQ(sy::mask_secret("short-key"), "********");
  EXPECT_EQ(sy::mask_secret(""), "");
}

TEST(secret, constant_time_equal_compares_exactly) {
  EXPECT_TRUE(sy::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(sy::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(sy::constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(sy::constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(sy::constant_time_equal("", "a"));
  EXPECT_TRUE(sy::constant_time_equal("", ""));
}
