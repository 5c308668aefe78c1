// The relay's one-pass usage reader against the rules read from a JSON tree (usage_tree_oracle.h).
#include "backends/reported_usage.h"

#include <gtest/gtest.h>

#include <string>

#include "../support/usage_tree_oracle.h"

namespace sy::backends {
namespace {

reported_usage read(std::string_view doc) {
  boost::system::error_code ec;
  auto u = read_reported_usage(doc, ec);
  EXPECT_FALSE(ec) << doc << ": " << ec.message();
  return u;
}

// The one-pass reader and the tree agree on `doc`: the same counts, or the same error.
void expect_as_tree(std::string_view doc) {
  boost::system::error_code fast_ec, tree_ec;
  auto fast = read_reported_usage(doc, fast_ec);
  auto tree = test::usage_from_tree(doc, tree_ec);
  EXPECT_EQ(fast_ec, tree_ec) << doc;
  EXPECT_EQ(fast_ec.message(), tree_ec.message()) << doc;
  EXPECT_TRUE(test::same_usage(fast, tree)) << doc;
}

TEST(reported_usage, openai_usage_block) {
  auto u = read(R"({"id":"x","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":12,)"
                R"("completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":8}}})");
  EXPECT_EQ(u.prompt_tokens, 12);
  EXPECT_EQ(u.completion_tokens, 3);
  EXPECT_EQ(u.cached_tokens, 8);
  EXPECT_FALSE(u.has_error_member);
}

TEST(reported_usage, anthropic_usage_adds_cache_reads_and_writes_to_the_prompt) {
  auto u = read(R"({"type":"message","usage":{"input_tokens":10,"cache_read_input_tokens":100,)"
                R"("cache_creation_input_tokens":5,"output_tokens":7}})");
  EXPECT_EQ(u.prompt_tokens, 115);
  EXPECT_EQ(u.completion_tokens, 7);
  EXPECT_EQ(u.cached_tokens, 100);
}

TEST(reported_usage, ollama_top_level_counts) {
  auto u = read(R"({"model":"m","done":true,"prompt_eval_count":26,"eval_count":290})");
  EXPECT_EQ(u.prompt_tokens, 26);
  EXPECT_EQ(u.completion_tokens, 290);
  EXPECT_FALSE(u.cached_tokens);
}

TEST(reported_usage, only_integers_count_and_nested_usage_is_not_the_answers) {
  auto u = read(
      R"({"choices":[{"usage":{"prompt_tokens":1}}],"usage":{"prompt_tokens":"12",)"
      R"("completion_tokens":3.5,"prompt_tokens_details":[{"cached_tokens":1}]},"x":{"usage":{"prompt_tokens":9}}})");
  EXPECT_FALSE(u.prompt_tokens);
  EXPECT_FALSE(u.completion_tokens);
  EXPECT_FALSE(u.cached_tokens);
}

TEST(reported_usage, an_error_member_at_the_top_is_seen) {
  EXPECT_TRUE(read(R"({"error":{"message":"bad"}})").has_error_member);
  EXPECT_FALSE(read(R"({"choices":[{"error":1}]})").has_error_member);
  EXPECT_FALSE(read(R"(["error"])").has_error_member);
}

TEST(reported_usage, invalid_json_is_the_parsers_error) {
  for (std::string_view doc : {"", "{", R"({"usage":{"prompt_tokens":1})", "{} x", "[1,]", "{\"a\":\"\xff\"}", "nul"}) {
    boost::system::error_code ec;
    auto u = read_reported_usage(doc, ec);
    EXPECT_TRUE(ec) << doc;
    EXPECT_FALSE(u.prompt_tokens);
    expect_as_tree(doc);
  }
}

// Every shape the tree reads differently would be a wrong count in the ledger.
TEST(reported_usage, agrees_with_the_tree_reader) {
  for (std::string_view doc : {
           R"({"usage":{"prompt_tokens":1,"completion_tokens":2}})",
           R"({"usage":{"prompt_tokens":1},"usage":{"completion_tokens":2}})",  // repeated: the last
           R"({"usage":{"prompt_tokens":1},"usage":7})",
           R"({"usage":7,"usage":{"prompt_tokens":1}})",
           R"({"usage":{"prompt_tokens":1,"prompt_tokens":"x"}})",
           R"({"usage":{"prompt_tokens":"x","prompt_tokens":4}})",
           R"({"usage":{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens_details":{}}})",
           R"({"usage":{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens_details":null}})",
           R"({"usage":{"input_tokens":5,"prompt_tokens":null,"output_tokens":1,"completion_tokens":[]}})",
           R"({"usage":{"input_tokens":9223372036854775807,"cache_read_input_tokens":9}})",
           R"({"usage":{"input_tokens":-5,"cache_read_input_tokens":-9,"cache_creation_input_tokens":0}})",
           R"({"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":-1}})",
           R"({"usage":{"prompt_tokens":1e3,"completion_tokens":10.0}})",
           R"({"prompt_eval_count":3,"eval_count":4,"usage":{"prompt_tokens":5}})",
           R"({"prompt_eval_count":3,"eval_count":4,"usage":{}})",
           R"({"error":null,"error":1})",
           R"({"us\u0061ge":{"prompt_t\u006fkens":6}})",  // escaped keys arrive in parts
           R"({"usage":{"a_key_much_longer_than_any_member_of_usage_at_all":1,"prompt_tokens":2}})",
           R"({"usage":{"d":{"e":{"f":{"g":{"prompt_tokens":1}}}},"completion_tokens":2}})",
           R"([{"usage":{"prompt_tokens":1}}])",
           R"("usage")",
           R"(42)",
           R"({})",
           "  {\"usage\" : { \"prompt_tokens\" : 1 } }  ",
       })
    expect_as_tree(doc);
}

}  // namespace
}  // namespace sy::backends
