// The inspector on generated fixtures: parameter counts, bytes, roles, blocks and KV-cache sizes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include <boost/json.hpp>

#include "gguf/gguf_file.h"
#include "gguf/model_report.h"
#include "gguf_fixtures.h"

using namespace sy::gguf;
using namespace sy::test;
using testing::HasSubstr;

namespace {

model_report report_of(const gguf_writer& w, inspect_options opt = {}) {
  auto bytes = w.bytes();
  memory_source src(std::as_bytes(std::span(bytes.data(), bytes.size())));
  auto f = read_gguf(src);
  if (!opt.available_bytes) opt.available_bytes = uint64_t{1} << 34;
  return build_report(f, "fixture", opt);
}

const tensor_tally& role(const model_report& r, tensor_role x) {
  return r.by_role[size_t(x)];
}

}  // namespace

TEST(model_report, llama_fixture_counts_parameters_and_kv_cache) {
  fixture_shape s;  // 2 layers, hidden 64, 4 heads, 2 KV heads, ffn 128, F32
  auto w = llama_fixture(s);
  auto r = report_of(w, {.contexts = {256, 1000}});
  uint64_t n_vocab = r.facts.tokenizer.n_tokens;
  ASSERT_GT(n_vocab, 0u);
  uint64_t per_layer = 64 + 64 * 64 * 2 + 64 * 32 * 2 + 64 + 3 * 64 * 128;
  uint64_t params = 2 * 64 * n_vocab + 64 + 2 * per_layer;
  EXPECT_EQ(r.total.params, params);
  EXPECT_EQ(r.total.params, w.tensor_params());
  EXPECT_EQ(r.total.bytes, 4 * params);
  EXPECT_DOUBLE_EQ(r.total.bits_per_weight(), 32.0);
  EXPECT_EQ(role(r, tensor_role::embeddings).params, 64 * n_vocab);
  EXPECT_EQ(role(r, tensor_role::output).params, 64 * n_vocab);
  EXPECT_EQ(role(r, tensor_role::attention).params, 2u * (64 * 64 * 2 + 64 * 32 * 2));
  EXPECT_EQ(role(r, tensor_role::ffn_dense).params, 2u * 3 * 64 * 128);
  EXPECT_EQ(role(r, tensor_role::norms).params, 64u * 5);
  ASSERT_EQ(r.blocks.size(), 1u);  // identical blocks print once
  EXPECT_EQ(r.blocks[0].layers, (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(r.blocks[0].tensors.size(), 9u);
  EXPECT_EQ(r.facts.n_head_kv, (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(r.facts.head_dim_k, 16u);
  // f16 cache: 2 layers × cells × (K + V) × 32 (= 16 × 2 KV heads) × 2 bytes
  ASSERT_EQ(r.memory.size(), 2u);
  EXPECT_EQ(r.memory[0].kv.cells, 256u);
  EXPECT_EQ(r.memory[0].kv.bytes(), 2u * 256 * 2 * 32 * 2);
  EXPECT_EQ(r.memory[1].kv.cells, 1024u);  // padded to 256 like llama.cpp
  auto q8 = report_of(w, {.contexts = {512}, .cache_type = "q8_0", .parallel = 2});
  EXPECT_EQ(q8.memory[0].kv.cells, 1024u);
  EXPECT_EQ(q8.memory[0].kv.bytes(), 2u * 1024 * 2 * 34);  // one Q8_0 block per 32-wide row
  EXPECT_TRUE(r.memory[0].fits);
  EXPECT_EQ(r.memory[0].total_bytes, r.memory[0].weights_bytes + r.memory[0].kv.bytes() + r.memory[0].compute_bytes);
}

TEST(model_report, f16_fixture_reports_file_type_and_bpw) {
  fixture_shape s;
  s.weight_type = 1;
  auto r = report_of(llama_fixture(s));
  EXPECT_EQ(r.file_type_name, "MOSTLY_F16");
  ASSERT_EQ(r.by_type.size(), 2u);
  EXPECT_EQ(r.by_type[0].type, "F16");
  EXPECT_DOUBLE_EQ(r.by_type[0].bits_per_weight(), 16.0);
  EXPECT_EQ(r.by_type[1].type, "F32");
  EXPECT_EQ(r.by_type[1].params, 64u * 5);
}

TEST(model_report, moe_fixture_splits_experts_and_shared_experts) {
  fixture_shape s;
  auto r = report_of(moe_fixture(s));
  EXPECT_EQ(r.facts.n_expert, 4u);
  EXPECT_EQ(r.facts.n_expert_used, 2u);
  EXPECT_EQ(role(r, tensor_role::ffn_experts).params, 2u * 3 * 64 * 32 * 4);
  EXPECT_EQ(role(r, tensor_role::ffn_shared_experts).params, 2u * (3 * 64 * 128 + 64));
  EXPECT_EQ(role(r, tensor_role::moe_router).params, 2u * 64 * 4);
  EXPECT_EQ(role(r, tensor_role::ffn_dense).tensors, 0u);
  EXPECT_EQ(role(r, tensor_role::attention).params, 2u * (64 * 64 * 2 + 64 * 32 * 2 + 64 + 32 + 32));
  uint64_t sum = 0;
  for (auto& t : r.by_role) sum += t.params;
  EXPECT_EQ(sum, r.total.params);
}

TEST(model_report, gemma2_fixture_sizes_sliding_window_layers_like_llama_cpp) {
  fixture_shape s;
  s.n_layer = 4;
  s.sliding_window = 128;
  auto r = report_of(gemma2_fixture(s), {.contexts = {4096}});
  EXPECT_EQ(r.facts.sliding_window, 128u);
  EXPECT_EQ(r.facts.swa_layers, (std::vector<bool>{true, false, true, false}));  // period 2
  const auto& kv = r.memory[0].kv;
  EXPECT_EQ(kv.cells, 4096u);
  EXPECT_EQ(kv.swa_cells, 768u);  // pad256(min(4096, 128 × 1 + 512 ubatch))
  EXPECT_EQ(kv.swa_layers, 2u);
  EXPECT_EQ(kv.full_layers, 2u);
  EXPECT_EQ(kv.bytes(), (2u * 4096 + 2u * 768) * 2 * 32 * 2);
  EXPECT_EQ(role(r, tensor_role::output).tensors, 0u);  // tied embeddings
}

TEST(model_report, mla_caches_the_latent_only) {
  auto w = llama_fixture();
  w.set_string("general.architecture", "deepseek2");
  w.set_u32("deepseek2.block_count", 2);
  w.set_u32("deepseek2.embedding_length", 64);
  w.set_u32("deepseek2.attention.head_count", 4);
  w.set_u32("deepseek2.attention.head_count_kv", 1);
  w.set_u32("deepseek2.attention.kv_lora_rank", 512);
  w.set_u32("deepseek2.attention.key_length", 576);
  w.set_u32("deepseek2.attention.value_length", 512);
  w.set_u32("deepseek2.attention.key_length_mla", 192);
  w.set_u32("deepseek2.attention.value_length_mla", 128);
  auto r = report_of(w, {.contexts = {256}});
  EXPECT_TRUE(r.facts.is_mla());
  EXPECT_EQ(r.memory[0].kv.v_bytes, 0u);
  EXPECT_EQ(r.memory[0].kv.k_bytes, 2u * 256 * 576 * 2);
}

TEST(model_report, per_layer_kv_heads_and_text_and_json) {
  auto w = llama_fixture();
  w.set_u32s("llama.attention.head_count_kv", {2, 1});
  auto r = report_of(w, {.contexts = {256}});
  EXPECT_EQ(r.memory[0].kv.bytes(), 256u * 2 * (32 + 16) * 2);
  auto text = format_text(r);
  EXPECT_THAT(text, HasSubstr("architecture          llama"));
  EXPECT_THAT(text, HasSubstr("KV heads              per layer"));
  EXPECT_THAT(text, HasSubstr("blk.[0-1]"));
  auto j = boost::json::parse(format_json(r)).as_object();
  EXPECT_EQ(j["total"].as_object()["params"].to_number<uint64_t>(), r.total.params);
  EXPECT_EQ(j["context"].as_object()["estimates"].as_array()[0].as_object()["kv_bytes"].to_number<uint64_t>(),
            r.memory[0].kv.bytes());
  EXPECT_THROW(report_of(w, {.cache_type = "q9_9"}), std::invalid_argument);
}

TEST(model_report, non_finite_floats_are_null_in_json_and_words_in_text) {
  auto w = llama_fixture();
  w.set_f32("llama.rope.freq_base", std::numeric_limits<float>::quiet_NaN());
  w.set("llama.rope.scaling.factor", value::of(value_type::f64, -std::numeric_limits<double>::infinity()));
  auto r = report_of(w);
  boost::system::error_code ec;
  auto j = boost::json::parse(format_json(r), ec);
  ASSERT_FALSE(ec) << format_json(r);
  EXPECT_TRUE(j.at("rope").at("freq_base").is_null());
  EXPECT_TRUE(j.at("rope").at("scaling_factor").is_null());
  auto text = format_text(r);
  EXPECT_THAT(text, HasSubstr("freq base             nan"));
  EXPECT_THAT(text, HasSubstr("scaling factor        -inf"));
}

TEST(model_report, text_escapes_control_characters_from_the_file) {
  auto w = llama_fixture();
  w.set_string("general.name", "evil\x1b]0;title\x07\x1b[2J");
  w.set_string("general.license", "mit\r\n\x7f \xc2\x9b raw\x9b");  // C1 CSI in UTF-8, then a bare 0x9b
  w.set_string("tokenizer.ggml.pre", "p\x1b[31m");
  w.add_tensor("blk.0.x\x1b[1m.weight", {8}, 0);
  auto text = format_text(report_of(w));
  EXPECT_THAT(text, HasSubstr("name                  evil\\x1b]0;title\\x07\\x1b[2J\n"));
  EXPECT_THAT(text, HasSubstr("license               mit\\x0d\\x0a\\x7f \\u009b raw\\x9b\n"));
  EXPECT_THAT(text, HasSubstr("(pre: p\\x1b[31m)"));
  EXPECT_THAT(text, HasSubstr("x\\x1b[1m.weight"));
  for (char c : text) ASSERT_TRUE(c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)) << int(c);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
}

TEST(model_report, huge_vocabulary_counts_come_from_the_header_and_the_tally) {
  auto w = llama_fixture();
  std::vector<scalar> types(100, int64_t{1});
  types[0] = types[99] = int64_t{3};
  types[98] = int64_t{4};
  w.set("tokenizer.ggml.token_type", value::array_of(value_type::i32, types));
  w.set("tokenizer.ggml.tokens", value::array_of(value_type::string, std::vector<scalar>(100, std::string("t"))));
  auto bytes = w.bytes();
  memory_source src(std::as_bytes(std::span(bytes.data(), bytes.size())));
  gguf_limits lim;
  lim.max_array_kept = 8;
  auto facts = read_model_facts(read_gguf(src, lim));
  EXPECT_EQ(facts.tokenizer.n_tokens, 100u);
  EXPECT_EQ(facts.tokenizer.n_special, 3u);
}

TEST(model_report, json_strings_are_valid_utf8_whatever_the_file_holds) {
  auto w = llama_fixture();
  w.set_string("general.name", "bad \x9b\xff utf-8 \xe2\x82");
  w.add_tensor("blk.0.\xc0\xaf.weight", {8}, 0);
  auto json = format_json(report_of(w));
  boost::system::error_code ec;
  auto j = boost::json::parse(json, ec);  // the parser refuses invalid UTF-8 in strings
  ASSERT_FALSE(ec) << json;
  EXPECT_EQ(j.at("identity").at("name").as_string(), "bad \xef\xbf\xbd\xef\xbf\xbd utf-8 \xef\xbf\xbd\xef\xbf\xbd");
}
