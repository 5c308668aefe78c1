// Routing's one-pass reader of a request body against the same fields read from a JSON tree
// (request_fields_tree_oracle.h).
#include "router/request_fields.h"

#include <gtest/gtest.h>

#include <string>

#include "../support/request_fields_tree_oracle.h"

namespace sy {
namespace {

request_fields read(std::string_view body, std::string_view path = "/chat/completions") {
  boost::system::error_code ec;
  auto f = read_request_fields(body, path, ec);
  EXPECT_FALSE(ec) << body << ": " << ec.message();
  return f;
}

void expect_as_tree(std::string_view body, std::string_view path = "/chat/completions") {
  boost::system::error_code fast_ec, tree_ec;
  auto fast = read_request_fields(body, path, fast_ec);
  auto tree = test::request_fields_from_tree(body, path, tree_ec);
  EXPECT_EQ(fast_ec, tree_ec) << body;
  EXPECT_EQ(fast_ec.message(), tree_ec.message()) << body;
  EXPECT_TRUE(test::same_fields(fast, tree)) << body;
}

TEST(request_fields, a_plain_chat) {
  auto f = read(R"({"model":"openai/gpt-4o-mini","stream":true,"user":"u-1",)"
                R"("messages":[{"role":"system","content":"be brief"},{"role":"user","content":"12345678"}]})");
  EXPECT_TRUE(f.is_object);
  EXPECT_EQ(f.model, "openai/gpt-4o-mini");
  EXPECT_TRUE(f.stream);
  EXPECT_EQ(f.user, "u-1");
  EXPECT_TRUE(f.needs.chat);
  EXPECT_FALSE(f.needs.tools || f.needs.vision || f.needs.embeddings);
  EXPECT_EQ(f.needs.prompt_tokens, 4);  // 16 bytes of text / 4
}

TEST(request_fields, parts_tools_and_images) {
  auto f =
      read(R"({"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user",)"
           R"("content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"x"}}]}]})");
  EXPECT_TRUE(f.needs.tools);
  EXPECT_TRUE(f.needs.vision);
  EXPECT_EQ(f.needs.prompt_tokens, 3);
  EXPECT_FALSE(read(R"({"model":"m","tools":[],"messages":[]})").needs.tools);
}

TEST(request_fields, what_is_not_a_routing_field_is_not_read) {
  auto f = read(R"({"model":7,"stream":"yes","user":{"id":1},"metadata":{"model":"x","messages":[]}})");
  EXPECT_FALSE(f.model);
  EXPECT_FALSE(f.stream);
  EXPECT_EQ(f.user, "");
  EXPECT_FALSE(read("[1,2]").is_object);
}

TEST(request_fields, a_long_user_is_cut_and_a_long_model_is_kept_whole) {
  std::string user(300, 'u'), model(5000, 'm');
  auto f = read(R"({"model":")" + model + R"(","user":")" + user + R"("})");
  EXPECT_EQ(f.user, std::string(256, 'u'));
  EXPECT_EQ(f.model, model);
}

TEST(request_fields, invalid_json_is_the_parsers_error) {
  for (std::string_view body : {"", "{", "{not json", R"({"model":"m"} x)", "[1,]", "{\"a\":\"\xff\"}"}) {
    boost::system::error_code ec;
    read_request_fields(body, "/chat/completions", ec);
    EXPECT_TRUE(ec) << body;
    expect_as_tree(body);
  }
}

TEST(request_fields, agrees_with_the_tree_reader) {
  for (std::string_view body : {
           R"({"model":"a","model":"b"})",  // repeated: the last
           R"({"model":"a","model":1})",
           R"({"model":"","stream":true,"stream":null})",
           R"({"stream":false,"stream":true})",
           R"({"user":"a","user":5})",
           R"({"tools":[1],"tools":[]})",
           R"({"tools":[],"tools":[{}]})",
           R"({"tools":{"a":1}})",
           R"({"messages":[{"content":"abcdefgh"}],"messages":[{"content":"abcd"}]})",
           R"({"messages":[{"content":"abcdefgh","content":[{"text":"ab"}]}]})",
           R"({"messages":[{"content":[{"text":"abcdefgh","text":1,"type":"image_url","type":"text"}]}]})",
           R"({"messages":[{"content":[{"type":"image_url"},"text",[{"type":"image_url"}],{"text":"x"}]}]})",
           R"({"messages":["abc",{"content":null},{"content":{"text":"abcd"}},{"content":"12345678"}]})",
           R"({"messages":{"content":"abcdefgh"},"prompt":"abcdefgh"})",
           R"({"prompt":"abcdefghijkl","prompt":["x"]})",
           R"({"prompt":"abcdefghijkl","messages":[{"content":"abcd"}]})",
           R"({"messages":[{"content":[{"type":"image_\u0075rl","t\u0065xt":"ab\u00e9cd"}]}]})",
           R"({"messages":[{"role":"user","content":[{"type":"text","text":"a\"b\\c\u0000d"}]}]})",
           R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"model":"x"}}}}}}}}},"model":"y"})",
           R"({"a_key_longer_than_any_routing_field":1,"model":"m"})",
           R"({"messages":[{"content":[{"type":"image_url_but_longer_than_that","text":""}]}]})",
           "  {\"model\" : \"m\" }  ",
           R"("model")",
           R"({})",
       }) {
    expect_as_tree(body);
    expect_as_tree(body, "/embeddings");
  }
}

}  // namespace
}  // namespace sy
