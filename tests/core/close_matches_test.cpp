#include "core/close_matches.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

TEST(close_matches, finds_typos_closest_first) {
  std::vector<std::string> names = {"openai/gpt-4o-mini", "openai/gpt-4o", "chat", "local/qwen2.5:q4_k_m"};
  EXPECT_THAT(sy::close_matches("openai/gpt-4o-mni", names),
              testing::ElementsAre("openai/gpt-4o-mini", "openai/gpt-4o"));
  EXPECT_THAT(sy::close_matches("caht", names), testing::ElementsAre("chat"));
  EXPECT_THAT(sy::close_matches("qwen2.5", names), testing::ElementsAre("local/qwen2.5:q4_k_m"));
  EXPECT_TRUE(sy::close_matches("llama-70b", names).empty());
  EXPECT_TRUE(sy::close_matches("", names).empty());
}

TEST(close_matches, edit_distance_is_capped_and_case_insensitive) {
  EXPECT_EQ(sy::edit_distance("kitten", "sitting", 10), 3u);
  EXPECT_EQ(sy::edit_distance("ABC", "abc", 10), 0u);
  EXPECT_EQ(sy::edit_distance("a", "abcdefgh", 2), 3u);
}
