// What an OpenAI-compatible model list says about its models (context, vision, tools).
#include <gtest/gtest.h>

#include "backends/openai_compat/openai_backend.h"

TEST(openai_model_list, model_lists_say_what_they_know) {
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
