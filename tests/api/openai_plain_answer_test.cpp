// The one-pass reader of plain OpenAI answers: it takes the common answers (so the fast path is
// really the one used), answers exactly what the tree reader answers, and gives up — leaving the
// answer, and its errors, to the tree reader — on everything else.
#include "api/openai_plain_answer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/openai_chat.h"
#include "golden.h"

namespace sy::api {
namespace {

using detail::parse_openai_response_tree;
using detail::read_plain_openai_answer;

// What parse_openai_response answers must not depend on which reader answered.
void expect_same_as_tree(const std::string& body) {
  SCOPED_TRACE(body);
  auto whole = parse_openai_response(body);
  auto tree = parse_openai_response_tree(body, {});
  ASSERT_EQ(whole.index(), tree.index());
  if (auto* r = std::get_if<chat_response>(&tree)) {
    EXPECT_TRUE(std::get<chat_response>(whole) == *r);
  } else {
    EXPECT_EQ(std::get<api_error>(whole).message, std::get<api_error>(tree).message);
    EXPECT_EQ(std::get<api_error>(whole).status, std::get<api_error>(tree).status);
  }
}

std::string answer(std::string_view message, std::string_view rest = {}) {
  std::string b = R"({"id":"chatcmpl-1","object":"chat.completion","created":1765000000,"model":"m",)";
  b += R"("choices":[{"index":0,"message":)";
  b += message;
  b += R"(,"logprobs":null,"finish_reason":"stop"}])";
  b += rest;
  b += "}";
  return b;
}

TEST(openai_plain_answer, reads_the_common_answers_in_one_pass) {
  const std::vector<std::string> plain = {
      answer(R"({"role":"assistant","content":"Hello."})",
             R"(,"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7})"),
      answer(R"({"role":"assistant","content":"Bonjour","reasoning_content":"French, then."})"),
      answer(R"({"role":"assistant","content":"x","reasoning":"via reasoning"})"),
      answer(R"({"role":"assistant","content":"","reasoning_content":"","reasoning":"second"})"),
      answer(R"({"role":"assistant","content":null,"refusal":"I can't."})"),
      answer(R"({"role":"assistant","content":"a \"quoted\" \u00e9\ud83d\ude00 \\ line\nbreak","tool_calls":null})"),
      answer(R"({"content":"x","annotations":[{"type":"url","x":{"y":[1,2,{"z":null}]}}],"audio":null})",
             R"(,"system_fingerprint":"fp","service_tier":"default","usage":{"prompt_tokens":9,)"
             R"("completion_tokens":4,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},)"
             R"("completion_tokens_details":{"reasoning_tokens":2}})"),
      // counts that are not counts are none, as the tree reader has them
      answer(R"({"content":"x"})", R"(,"usage":{"prompt_tokens":-1,"completion_tokens":2.5,)"
                                   R"("prompt_tokens_details":"n/a","completion_tokens_details":[1]})"),
      answer(R"({"content":"x"})", R"(,"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":"3"})"),
      answer(R"({"content":"x"})", R"(,"usage":"none")"),
      answer(R"({"content":"x"})", R"(,"usage":null)"),
      R"({"choices":[{"message":{"content":"no id, no model, no created"}},7,"x",[1],null]})",
      R"( { "choices" : [ { "finish_reason" : "length" , "message" : { "content" : "spaced" } } ] } )",
      R"({"id":null,"model":null,"created":null,"choices":[{"message":{"content":"x"},"finish_reason":null}]})",
      R"({"choices":[{"message":{"content":"x"},"finish_reason":"content_filter"}],"created":0})",
  };
  for (const auto& body : plain) {
    SCOPED_TRACE(body);
    auto fast = read_plain_openai_answer(body, {});
    ASSERT_TRUE(fast.has_value());
    auto tree = parse_openai_response_tree(body, {});
    auto* t = std::get_if<chat_response>(&tree);
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(*t == *fast);
  }
  auto fast = read_plain_openai_answer(plain[1], {});
  ASSERT_EQ(fast->content.size(), 2u);
  EXPECT_EQ(fast->content[0].kind, part_kind::reasoning);
  EXPECT_EQ(fast->content[0].reasoning.text, "French, then.");
  EXPECT_EQ(fast->content[1].text, "Bonjour");
  EXPECT_EQ(fast->finish.reason, finish_reason::stop);
  EXPECT_EQ(fast->created, 1765000000);
  auto counted = read_plain_openai_answer(plain[6], {});
  EXPECT_EQ(counted->usage.cached_input_tokens, 3);
  EXPECT_EQ(counted->usage.reasoning_tokens, 2);
}

TEST(openai_plain_answer, leaves_every_other_answer_to_the_tree_reader) {
  parse_limits small;
  small.max_name_bytes = 4;
  const std::vector<std::string> other = {
      answer(
          R"({"content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]})"),
      answer(R"({"content":[{"type":"text","text":"parts"}]})"),
      answer(R"({"content":"x","reasoning_details":[{"type":"reasoning.text","text":"t","signature":"s"}]})"),
      answer(R"({"content":"x","content":"twice"})"),
      answer(R"({"content":"x"})", R"(,"usage":{"prompt_tokens":1,"prompt_tokens":2})"),
      R"({"created":1.7e9,"choices":[{"message":{"content":"x"}}]})",
      R"({"created":-5,"choices":[{"message":{"content":"x"}}]})",
      R"({"created":"now","choices":[{"message":{"content":"x"}}]})",
      R"({"id":7,"choices":[{"message":{"content":"x"}}]})",
      R"({"choices":[]})",
      R"({"choices":null})",
      R"({"choices":{}})",
      R"({"choices":[7,{"message":{"content":"x"}}]})",
      R"({"choices":[{"finish_reason":"stop"}]})",
      R"({"choices":[{"message":null}]})",
      R"({"choices":[{"message":"hi"}]})",
      R"({"choices":[{"message":{"content":7}}]})",
      R"({"choices":[{"message":{"content":"x"}}]} trailing)",
      R"({"choices":[{"message":{"content":"x"}})",
      R"([{"choices":[]}])",
      R"("just a string")",
      "",
      "{\"choices\":[{\"message\":{\"content\":\"\xff\"}}]}",
  };
  for (const auto& body : other) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(read_plain_openai_answer(body, {}).has_value());
    expect_same_as_tree(body);
  }
  // a limit the one-pass reader checks
  EXPECT_FALSE(read_plain_openai_answer(R"({"id":"too-long","choices":[{"message":{"content":"x"}}]})", small));
  std::string deep =
      R"({"choices":[{"message":{"content":"x"}}],"x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(read_plain_openai_answer(deep, {}));
  expect_same_as_tree(deep);
}

TEST(openai_plain_answer, answers_the_golden_fixtures_as_the_tree_reader_does) {
  for (auto name : {"response_text.openai.json", "response_reasoning.openai.json", "response_tools.openai.json"})
    expect_same_as_tree(golden::read_fixture(name));
  EXPECT_TRUE(read_plain_openai_answer(golden::read_fixture("response_text.openai.json"), {}).has_value());
}

}  // namespace
}  // namespace sy::api
