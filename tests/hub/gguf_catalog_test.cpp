// Choosing what to pull: quantization from file names, split grouping, the default choice, and
// the untrusted names refused before they touch the disk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/gguf_catalog.h"
#include "hub/hub_error.h"
#include "hub/model_pull.h"
#include "hub/repo_path.h"

using namespace sy::hub;
using testing::HasSubstr;

namespace {

std::vector<repo_file> files(std::vector<std::pair<std::string, uint64_t>> list) {
  std::vector<repo_file> out;
  for (auto& [p, s] : list) out.push_back({p, s, std::string(64, 'a')});
  return out;
}

std::string message(const std::vector<gguf_entry>& e, std::string_view sel) {
  try {
    choose_entry(e, sel, "o/r");
  } catch (const hub_error& err) {
    return err.what();
  }
  return "";
}

}  // namespace

TEST(quant_of, reads_the_quantization_from_the_file_name) {
  EXPECT_EQ(quant_of("Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"), "Q4_K_M");
  EXPECT_EQ(quant_of("qwen2.5-0.5b-instruct-q4_k_m.gguf"), "Q4_K_M");
  EXPECT_EQ(quant_of("Meta-Llama-3.1-8B-Instruct-IQ4_XS.gguf"), "IQ4_XS");
  EXPECT_EQ(quant_of("sub/model-BF16-00001-of-00003.gguf"), "BF16");
  EXPECT_EQ(quant_of("ggml-model-f16.gguf"), "F16");
  EXPECT_EQ(quant_of("model.Q8_0.gguf"), "Q8_0");
  EXPECT_EQ(quant_of("Llama-3-8B-UD-Q4_K_XL.gguf"), "Q4_K_XL");
  EXPECT_EQ(quant_of("phi-2_Q5_K_S.gguf"), "Q5_K_S");
  EXPECT_EQ(quant_of("model-Q4_0_4_4.gguf"), "Q4_0_4_4");
  EXPECT_EQ(quant_of("model.gguf"), "");
  EXPECT_EQ(quant_of("Qwen2.5-7B.gguf"), "");
}

TEST(group_gguf_files, counts_split_files_as_one_with_the_summed_size) {
  std::vector<std::string> notes;
  auto e = group_gguf_files(files({{"README.md", 5},
                                   {"m-Q8_0-00002-of-00002.gguf", 20},
                                   {"m-Q8_0-00001-of-00002.gguf", 30},
                                   {"m-Q4_K_M.gguf", 25},
                                   {"m-F16-00001-of-00003.gguf", 1},
                                   {"m-F16-00003-of-00003.gguf", 1},
                                   {"mmproj-m-f16.gguf", 9}}),
                            &notes);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].path, "m-Q4_K_M.gguf");
  EXPECT_EQ(e[1].path, "m-Q8_0-00001-of-00002.gguf");
  EXPECT_EQ(e[1].quant, "Q8_0");
  EXPECT_EQ(e[1].size, 50u);
  ASSERT_EQ(e[1].parts.size(), 2u);
  EXPECT_EQ(e[1].parts[1].path, "m-Q8_0-00002-of-00002.gguf");
  EXPECT_TRUE(e[2].mmproj);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_THAT(notes[0], HasSubstr("m-F16: split into 3 parts, but 2 are listed"));
}

TEST(choose_entry, takes_q4_k_m_by_default_then_falls_back_sensibly) {
  auto e = group_gguf_files(files({{"mmproj-Q4_K_M.gguf", 1}, {"m-Q8_0.gguf", 8}, {"m-Q4_K_M.gguf", 4}}));
  EXPECT_EQ(choose_entry(e, "", "o/r").path, "m-Q4_K_M.gguf");
  e = group_gguf_files(files({{"m-Q8_0.gguf", 8}, {"m-Q5_K_M.gguf", 5}, {"m-F16.gguf", 16}}));
  EXPECT_EQ(choose_entry(e, "", "o/r").path, "m-Q5_K_M.gguf");
  e = group_gguf_files(files({{"m-F16.gguf", 16}, {"m-IQ2_XS.gguf", 2}, {"mmproj-f16.gguf", 1}}));
  EXPECT_EQ(choose_entry(e, "", "o/r").path, "m-IQ2_XS.gguf");  // then the smallest, projectors never
  e = group_gguf_files(files({{"mmproj-f16.gguf", 1}}));
  EXPECT_THAT(message(e, ""), HasSubstr("only multimodal projector files"));
}

TEST(choose_entry, takes_a_quantization_case_insensitively_or_a_file) {
  auto e = group_gguf_files(files({{"m-Q8_0.gguf", 8},
                                   {"m-Q4_K_M.gguf", 4},
                                   {"big/m-F16-00001-of-00002.gguf", 16},
                                   {"big/m-F16-00002-of-00002.gguf", 16}}));
  EXPECT_EQ(choose_entry(e, "q8_0", "o/r").path, "m-Q8_0.gguf");
  EXPECT_EQ(choose_entry(e, "Q4_K_M", "o/r").path, "m-Q4_K_M.gguf");
  EXPECT_EQ(choose_entry(e, "big/m-F16-00002-of-00002.gguf", "o/r").size, 32u);
  EXPECT_EQ(choose_entry(e, "m-q8_0.gguf", "o/r").path, "m-Q8_0.gguf");
  auto miss = message(e, "Q4_K_S");
  EXPECT_THAT(miss, HasSubstr("no Q4_K_S file in o/r (did you mean Q4_K_M?)"));
  EXPECT_THAT(miss, HasSubstr("Q8_0"));
  EXPECT_THAT(miss, HasSubstr("big/m-F16-00001-of-00002.gguf (2 parts)"));
  EXPECT_THAT(message(e, "nope.gguf"), HasSubstr("no file nope.gguf in o/r"));
  e = group_gguf_files(files({{"a-Q4_K_M.gguf", 4}, {"b-Q4_K_M.gguf", 4}}));
  EXPECT_THAT(message(e, "Q4_K_M"), HasSubstr("more than one Q4_K_M file"));
}

TEST(quantizations_on_offer, lists_the_preferred_first_without_projectors) {
  EXPECT_EQ(quantizations_on_offer(
                {"m-Q8_0.gguf", "m-Q4_K_M.gguf", "m-IQ3_M.gguf", "mmproj-F16.gguf", "m-Q8_0-00002-of-00002.gguf"}),
            (std::vector<std::string>{"Q4_K_M", "Q8_0", "IQ3_M"}));
}

TEST(unsafe_path_reason, refuses_path_tricks_from_the_hub) {
  EXPECT_FALSE(unsafe_path_reason("model-Q4_K_M.gguf"));
  EXPECT_FALSE(unsafe_path_reason("sub/dir/model.gguf"));
  for (const std::string& bad : std::vector<std::string>{
           "../evil.gguf", "sub/../../evil.gguf", "/etc/passwd.gguf", "sub//x.gguf", "./x.gguf", "sub\\..\\x.gguf",
           ".partial/x.gguf", "C:x.gguf", std::string("a\0b.gguf", 8), "x.gguf/", "", std::string(2000, 'a')})
    EXPECT_TRUE(unsafe_path_reason(bad)) << bad;
}

TEST(parse_pull_spec, splits_repo_and_selector) {
  auto s = parse_pull_spec("Qwen/Qwen2.5-0.5B-Instruct-GGUF:q4_k_m");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->repo, "Qwen/Qwen2.5-0.5B-Instruct-GGUF");
  EXPECT_EQ(s->selector, "q4_k_m");
  EXPECT_EQ(parse_pull_spec("hf.co/o/r:sub/f.gguf")->selector, "sub/f.gguf");
  EXPECT_EQ(parse_pull_spec("o/r")->selector, "");
  EXPECT_FALSE(parse_pull_spec("o"));
  EXPECT_FALSE(parse_pull_spec("o/r/x"));
  EXPECT_FALSE(parse_pull_spec("../r"));
  EXPECT_FALSE(parse_pull_spec("o/r:"));
}
