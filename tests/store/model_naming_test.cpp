// Model names from GGUF metadata and file names; split file names.
#include <gtest/gtest.h>

#include <set>

#include "store/model_naming.h"

using namespace sy::store;

TEST(model_naming, family_from_basename_size_label_and_finetune) {
  model_header h;
  h.basename = "Qwen2.5";
  h.name = "Qwen2.5 0.5B Instruct";
  h.size_label = "0.5B";
  h.finetune = "Instruct";
  h.quantization = "Q4_K_M";
  EXPECT_EQ(base_model_name(h, "/m/whatever.gguf"), "qwen2.5-0.5b-instruct:q4_k_m");
}

TEST(model_naming, general_name_already_holding_the_size_is_not_repeated) {
  model_header h;
  h.name = "Meta Llama 3.1 8B Instruct";
  h.size_label = "8B";
  h.finetune = "Instruct";
  h.quantization = "F16";
  EXPECT_EQ(base_model_name(h, "/m/x.gguf"), "meta-llama-3.1-8b-instruct:f16");
}

TEST(model_naming, falls_back_to_the_file_name_and_its_quantization) {
  model_header h;
  EXPECT_EQ(base_model_name(h, "/m/Meta-Llama-3-8B-Instruct.Q4_K_M.gguf"), "meta-llama-3-8b-instruct:q4_k_m");
  EXPECT_EQ(base_model_name(h, "/m/tiny-model-q8_0-00001-of-00003.gguf"), "tiny-model:q8_0");
  EXPECT_EQ(base_model_name(h, "/m/My Model.gguf"), "my-model:latest");
  h.quantization = "Q6_K";  // the header wins over the file name
  EXPECT_EQ(base_model_name(h, "/m/phi-3-mini-IQ2_XXS.gguf"), "phi-3-mini:q6_k");
  EXPECT_EQ(base_model_name(model_header{}, "/m/!!!.gguf"), "model:latest");
}

TEST(model_naming, collisions_get_a_numbered_tag) {
  std::set<std::string> taken = {"a:f16", "a:f16-2"};
  auto is_taken = [&](const std::string& n) { return taken.contains(n); };
  EXPECT_EQ(unique_model_name("b:f16", is_taken), "b:f16");
  EXPECT_EQ(unique_model_name("a:f16", is_taken), "a:f16-3");
}

TEST(model_naming, split_names) {
  auto s = parse_split_name("/m/big-00002-of-00003.gguf");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->prefix, "/m/big");
  EXPECT_EQ(s->part, 2);
  EXPECT_EQ(s->count, 3);
  EXPECT_EQ(split_part_path(s->prefix, 1, 3), "/m/big-00001-of-00003.gguf");
  EXPECT_FALSE(parse_split_name("/m/big-00004-of-00003.gguf"));
  EXPECT_FALSE(parse_split_name("/m/big-0001-of-00003.gguf"));
  EXPECT_FALSE(parse_split_name("/m/big.gguf"));
  EXPECT_FALSE(parse_split_name("-00001-of-00003.gguf"));
}
