#include "api/json_field.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using sy::api::replace_top_level_string;

TEST(json_field, replaces_only_the_top_level_member_and_keeps_the_rest_byte_for_byte) {
  std::string in = R"({"model":"mock/x","messages":[{"model":"inner"}],"temperature":0.70,"n":1e2})";
  EXPECT_EQ(replace_top_level_string(in, "model", "x"),
            R"({"model":"x","messages":[{"model":"inner"}],"temperature":0.70,"n":1e2})");
}

TEST(json_field, handles_whitespace_escapes_and_any_position) {
  EXPECT_EQ(replace_top_level_string("{ \"a\" : \"}\\\"{\" ,\n \"model\" :\t\"m\" }", "model", "new"),
            "{ \"a\" : \"}\\\"{\" ,\n \"model\" :\t\"new\" }");
  // an escaped key still names the member
  EXPECT_EQ(replace_top_level_string(R"({"mod\u0065l":"a"})", "model", "b"), R"({"mod\u0065l":"b"})");
  // values that need escaping are escaped
  auto out = replace_top_level_string(R"({"model":"a"})", "model", "we\"ird\n");
  EXPECT_EQ(boost::json::parse(out).at("model").as_string(), "we\"ird\n");
  // every duplicate is rewritten, so no reader sees the old name
  EXPECT_EQ(replace_top_level_string(R"({"model":"a","model":"b"})", "model", "c"), R"({"model":"c","model":"c"})");
}

TEST(json_field, leaves_input_alone_without_the_member) {
  EXPECT_EQ(replace_top_level_string(R"({"x":{"model":"a"}})", "model", "c"), R"({"x":{"model":"a"}})");
  EXPECT_EQ(replace_top_level_string("{}", "model", "c"), "{}");
  EXPECT_EQ(replace_top_level_string("[1]", "model", "c"), "[1]");
}

TEST(json_field, result_is_always_valid_json_for_nested_values) {
  std::string in = R"({"stream":true,"model":{"not":"a string"},"tools":[[],{}],"z":null})";
  auto out = replace_top_level_string(in, "model", "m");
  auto v = boost::json::parse(out);
  EXPECT_EQ(v.at("model").as_string(), "m");
  EXPECT_TRUE(v.at("z").is_null());
}

TEST(json_field, reads_a_top_level_member_without_parsing_the_body) {
  std::string body = R"({"messages":[{"model":"inner"}],"model":"clau\u0064e","stream":true,"n":{"model":"x"}})";
  EXPECT_EQ(sy::api::top_level_string(body, "model"), "claude");  // escapes decoded, nested ones ignored
  EXPECT_EQ(sy::api::top_level_value(body, "stream"), "true");
  EXPECT_EQ(sy::api::top_level_value(body, "absent"), "");
  EXPECT_EQ(sy::api::top_level_string(R"({"model":7})", "model"), std::nullopt);  // not a string
  EXPECT_EQ(sy::api::top_level_string("[1,2]", "model"), std::nullopt);
  EXPECT_EQ(sy::api::top_level_string(R"({"model":"unterminated)", "model"), std::nullopt);
}
