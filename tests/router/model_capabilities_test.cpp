// Capabilities: what a request needs, what a listed model is known to lack, and what model lists
// say about their models.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "backends/openai_compat/openai_backend.h"
#include "router/model_capabilities.h"

namespace {

sy::request_needs needs_of(std::string_view body, std::string_view path = "/chat/completions") {
  return sy::read_request_needs(boost::json::parse(body).as_object(), path);
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

TEST(model_capabilities, model_lists_say_what_they_know) {
  // vLLM's max_model_len; an OpenRouter-style entry; a plain OpenAI entry
  auto parsed = sy::backends::parse_openai_model_list(R"({"object":"list","data":[
    {"id":"Qwen/Qwen2.5-7B","object":"model","max_model_len":32768},
    {"id":"vision-model","context_length":128000,"architecture":{"input_modalities":["text","image"]},
     "supported_parameters":["temperature","tools"]},
    {"id":"text-model","architecture":{"input_modalities":["text"]},"supported_parameters":["temperature"]},
    {"id":"gpt-4o-mini","object":"model","owned_by":"openai"}]})");
  ASSERT_TRUE(std::holds_alternative<sy::model_listing>(parsed));
  auto& l = std::get<sy::model_listing>(parsed);
  EXPECT_EQ(l.ids.size(), 4u);
  EXPECT_EQ(l.capabilities.at("Qwen/Qwen2.5-7B").context_length, 32768);
  EXPECT_EQ(l.capabilities.at("vision-model").vision, true);
  EXPECT_EQ(l.capabilities.at("vision-model").tools, true);
  EXPECT_EQ(l.capabilities.at("text-model").vision, false);
  EXPECT_EQ(l.capabilities.at("text-model").tools, false);
  EXPECT_FALSE(l.capabilities.contains("gpt-4o-mini"));  // says nothing: nothing is ruled out

  EXPECT_TRUE(std::holds_alternative<std::string>(sy::backends::parse_openai_model_list("{}")));
  EXPECT_TRUE(std::holds_alternative<std::string>(sy::backends::parse_openai_model_list("not json")));
}
