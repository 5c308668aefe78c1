// Capabilities: what a request needs and what a listed model is known to lack (what model lists
// say about their models: tests/backends/openai_model_list_test.cpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "router/model_capabilities.h"
#include "router/request_fields.h"

namespace {

sy::request_needs needs_of(std::string_view body, std::string_view path = "/chat/completions") {
  boost::system::error_code ec;
  auto fields = sy::read_request_fields(body, path, ec);
  EXPECT_FALSE(ec) << body;
  return fields.needs;
}

}  // namespace

TEST(model_capabilities, what_a_request_needs) {
  auto plain = needs_of(R"({"model":"m","messages":[{"role":"user","content":"12345678"}]})");
  EXPECT_TRUE(plain.chat);
  EXPECT_FALSE(plain.tools || plain.vision || plain.embeddings);
  EXPECT_EQ(plain.prompt_tokens, 2);

  auto rich = needs_of(
      R"({"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":[
        {"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]})");
  EXPECT_TRUE(rich.tools);
  EXPECT_TRUE(rich.vision);
  EXPECT_FALSE(needs_of(R"({"model":"m","tools":[],"messages":[]})").tools);

  auto embed = needs_of(R"({"model":"m","input":"x"})", "/embeddings");
  EXPECT_TRUE(embed.embeddings);
  EXPECT_FALSE(embed.chat);
}

TEST(model_capabilities, only_what_is_known_to_be_missing_rules_a_model_out) {
  sy::request_needs chat_with_tools;
  chat_with_tools.chat = chat_with_tools.tools = true;
  chat_with_tools.prompt_tokens = 5000;
  EXPECT_EQ(sy::missing_capability({}, chat_with_tools), "");  // nothing known: may serve

  sy::model_capabilities embedder;
  embedder.chat = false;
  embedder.embeddings = true;
  EXPECT_EQ(sy::missing_capability(embedder, chat_with_tools), "chat");

  sy::model_capabilities small;
  small.tools = true;
  small.context_length = 4096;
  EXPECT_EQ(sy::missing_capability(small, chat_with_tools), "a context of at least 5000 tokens (the model has 4096)");
  small.context_length = 8192;
  EXPECT_EQ(sy::missing_capability(small, chat_with_tools), "");
  small.tools = false;
  EXPECT_EQ(sy::missing_capability(small, chat_with_tools), "tools");

  sy::request_needs image;
  image.vision = true;
  sy::model_capabilities blind;
  blind.vision = false;
  EXPECT_EQ(sy::missing_capability(blind, image), "images");

  sy::request_needs embed;
  embed.embeddings = true;
  sy::model_capabilities chat_only;
  chat_only.embeddings = false;
  EXPECT_EQ(sy::missing_capability(chat_only, embed), "embeddings");
}
