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

TEST(secret, url_credentials_are_cut_from_what_is_shown) {
  EXPECT_EQ(sy::without_url_credentials("https://user:pass@host:8/v1"), "https://***@host:8/v1");
  EXPECT_EQ(sy::without_url_credentials("http://token@host/v1"), "http://***@host/v1");
  EXPECT_EQ(sy::without_url_credentials("http://host/v1?x=a@b"), "http://host/v1?x=a@b");  // '@' past the host
  EXPECT_EQ(sy::without_url_credentials("http://host/v1"), "http://host/v1");
  EXPECT_TRUE(sy::has_url_credentials("http://u:p@h"));
  EXPECT_FALSE(sy::has_url_credentials("http://h/a@b"));
  EXPECT_FALSE(sy::has_url_credentials("not a url@all"));
}

TEST(secret, the_scrubber_masks_every_occurrence_of_every_secret) {
  sy::secret_scrubber s({"sk-secret-0123456789abcd", "short", "", "sk-secret-0123456789"});
  EXPECT_EQ(s.scrub("key sk-secret-0123456789abcd and again sk-secret-0123456789abcd."),
            "key ********abcd and again ********abcd.");
  EXPECT_EQ(s.scrub("prefix sk-secret-0123456789 only"), "prefix ********6789 only");
  EXPECT_EQ(s.scrub("short words stay"), "short words stay");  // under 8 characters: not looked for
  EXPECT_TRUE(sy::secret_scrubber({"tiny"}).empty());
}
