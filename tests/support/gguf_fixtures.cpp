#include "gguf_fixtures.h"

#include <unistd.h>

#include "core/version.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"

namespace sy::test {
namespace {

using gguf::scalar;
using gguf::value;
using gguf::value_type;

void synthetic_tokenizer(gguf_writer& w) {
  std::vector<scalar> tokens, scores, types;
  auto add = [&](std::string t, float score, int64_t type) {
    tokens.emplace_back(std::move(t));
    scores.emplace_back(double{score});
    types.emplace_back(type);
  };
  add("<unk>", 0, 2);
  add("<s>", 0, 3);
  add("</s>", 0, 3);
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "<0x%02X>", b);
    add(hex, 0, 6);
  }
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string("tokenizer.ggml.pre", "default");
  w.set("tokenizer.ggml.tokens", value::array_of(value_type::string, std::move(tokens)));
  w.set("tokenizer.ggml.scores", value::array_of(value_type::f32, std::move(scores)));
  w.set("tokenizer.ggml.token_type", value::array_of(value_type::i32, std::move(types)));
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
}

void common_keys(gguf_writer& w, const std::string& arch, const fixture_shape& s, uint32_t file_type) {
  w.set_string("general.architecture", arch);
  w.set_string("general.name", "switchyard test " + arch);
  w.set_u32("general.file_type", file_type);
  w.set_u32(arch + ".block_count", s.n_layer);
  w.set_u32(arch + ".context_length", s.n_ctx_train);
  w.set_u32(arch + ".embedding_length", s.n_embd);
  w.set_u32(arch + ".feed_forward_length", s.n_ff);
  w.set_u32(arch + ".attention.head_count", s.n_head);
  w.set_u32(arch + ".attention.head_count_kv", s.n_head_kv);
  w.set_f32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
  w.set_f32(arch + ".rope.freq_base", 10000.0f);
  w.set_u32(arch + ".rope.dimension_count", s.n_embd / s.n_head);
}

void attention(gguf_writer& w, const std::string& p, const fixture_shape& s, bool bias = false) {
  uint64_t head = s.n_embd / s.n_head, kv = head * s.n_head_kv;
  w.add_tensor(p + "attn_norm.weight", {s.n_embd}, 0);
  w.add_tensor(p + "attn_q.weight", {s.n_embd, s.n_embd}, s.weight_type);
  w.add_tensor(p + "attn_k.weight", {s.n_embd, kv}, s.weight_type);
  w.add_tensor(p + "attn_v.weight", {s.n_embd, kv}, s.weight_type);
  if (bias) {
    w.add_tensor(p + "attn_q.bias", {s.n_embd}, 0);
    w.add_tensor(p + "attn_k.bias", {kv}, 0);
    w.add_tensor(p + "attn_v.bias", {kv}, 0);
  }
  w.add_tensor(p + "attn_output.weight", {s.n_embd, s.n_embd}, s.weight_type);
}

void dense_ffn(gguf_writer& w, const std::string& p, const fixture_shape& s) {
  w.add_tensor(p + "ffn_norm.weight", {s.n_embd}, 0);
  w.add_tensor(p + "ffn_gate.weight", {s.n_embd, s.n_ff}, s.weight_type);
  w.add_tensor(p + "ffn_up.weight", {s.n_embd, s.n_ff}, s.weight_type);
  w.add_tensor(p + "ffn_down.weight", {s.n_ff, s.n_embd}, s.weight_type);
}

}  // namespace

std::string vocab_gguf_path(const std::string& name) {
  std::string path = std::string(sy::llama_cpp_dir) + "/models/ggml-vocab-" + name + ".gguf";
  return ::access(path.c_str(), R_OK) == 0 ? path : "";
}

uint32_t add_tokenizer(gguf_writer& w) {
  auto path = vocab_gguf_path();
  if (path.empty()) {
    synthetic_tokenizer(w);
  } else {
    gguf::file_source src(path);
    gguf::gguf_limits whole;  // a copy needs every element, not the bounded prefix a reader keeps
    whole.max_array_kept = whole.max_array_elements;
    whole.max_metadata_bytes = uint64_t{1} << 30;
    auto f = gguf::read_gguf(src, whole);
    for (auto& [k, v] : f.metadata)
      if (k.rfind("tokenizer.", 0) == 0) w.set(k, v);
  }
  for (auto& [k, v] : w.metadata())
    if (k == "tokenizer.ggml.tokens") return uint32_t(v.size());
  return 0;
}

gguf_writer llama_fixture(const fixture_shape& s) {
  gguf_writer w;
  common_keys(w, "llama", s, s.weight_type == 1 ? 1 : 0);
  w.set_u32("llama.vocab_size", 0);  // replaced below
  uint32_t n_vocab = add_tokenizer(w);
  w.set_u32("llama.vocab_size", n_vocab);
  w.add_tensor("token_embd.weight", {s.n_embd, n_vocab}, s.weight_type);
  for (uint32_t il = 0; il < s.n_layer; ++il) {
    auto p = "blk." + std::to_string(il) + ".";
    attention(w, p, s);
    dense_ffn(w, p, s);
  }
  w.add_tensor("output_norm.weight", {s.n_embd}, 0);
  if (!s.text_safe) {
    w.add_tensor("output.weight", {s.n_embd, n_vocab}, s.weight_type);
    return w;
  }
  std::vector<uint64_t> byte_tokens;  // token_type 6 = byte fallback (<0x00>..<0xFF>)
  for (auto& [k, v] : w.metadata())
    if (k == "tokenizer.ggml.token_type")
      for (size_t i = 0; i < v.size(); ++i)
        if (v.as_i64(i) == 6) byte_tokens.push_back(i);
  w.zero_rows("token_embd.weight", std::move(byte_tokens));
  return w;
}

gguf_writer moe_fixture(const fixture_shape& s) {
  gguf_writer w;
  common_keys(w, "qwen2moe", s, s.weight_type == 1 ? 1 : 0);
  w.set_u32("qwen2moe.expert_count", s.n_expert);
  w.set_u32("qwen2moe.expert_used_count", s.n_expert_used);
  w.set_u32("qwen2moe.expert_feed_forward_length", s.n_ff_expert);
  w.set_u32("qwen2moe.expert_shared_feed_forward_length", s.n_ff);
  uint32_t n_vocab = add_tokenizer(w);
  w.add_tensor("token_embd.weight", {s.n_embd, n_vocab}, s.weight_type);
  for (uint32_t il = 0; il < s.n_layer; ++il) {
    auto p = "blk." + std::to_string(il) + ".";
    attention(w, p, s, /*bias=*/true);
    w.add_tensor(p + "ffn_norm.weight", {s.n_embd}, 0);
    w.add_tensor(p + "ffn_gate_inp.weight", {s.n_embd, s.n_expert}, 0);
    w.add_tensor(p + "ffn_gate_exps.weight", {s.n_embd, s.n_ff_expert, s.n_expert}, s.weight_type);
    w.add_tensor(p + "ffn_up_exps.weight", {s.n_embd, s.n_ff_expert, s.n_expert}, s.weight_type);
    w.add_tensor(p + "ffn_down_exps.weight", {s.n_ff_expert, s.n_embd, s.n_expert}, s.weight_type);
    w.add_tensor(p + "ffn_gate_inp_shexp.weight", {s.n_embd}, 0);
    w.add_tensor(p + "ffn_gate_shexp.weight", {s.n_embd, s.n_ff}, s.weight_type);
    w.add_tensor(p + "ffn_up_shexp.weight", {s.n_embd, s.n_ff}, s.weight_type);
    w.add_tensor(p + "ffn_down_shexp.weight", {s.n_ff, s.n_embd}, s.weight_type);
  }
  w.add_tensor("output_norm.weight", {s.n_embd}, 0);
  w.add_tensor("output.weight", {s.n_embd, n_vocab}, s.weight_type);
  return w;
}

gguf_writer gemma2_fixture(const fixture_shape& s) {
  gguf_writer w;
  common_keys(w, "gemma2", s, s.weight_type == 1 ? 1 : 0);
  w.set_u32("gemma2.attention.sliding_window", s.sliding_window);
  w.set_u32("gemma2.attention.key_length", s.n_embd / s.n_head);
  w.set_u32("gemma2.attention.value_length", s.n_embd / s.n_head);
  w.set_f32("gemma2.attn_logit_softcapping", 50.0f);
  w.set_f32("gemma2.final_logit_softcapping", 30.0f);
  uint32_t n_vocab = add_tokenizer(w);
  w.add_tensor("token_embd.weight", {s.n_embd, n_vocab}, s.weight_type);
  for (uint32_t il = 0; il < s.n_layer; ++il) {
    auto p = "blk." + std::to_string(il) + ".";
    attention(w, p, s);
    w.add_tensor(p + "post_attention_norm.weight", {s.n_embd}, 0);
    dense_ffn(w, p, s);
    w.add_tensor(p + "post_ffw_norm.weight", {s.n_embd}, 0);
  }
  w.add_tensor("output_norm.weight", {s.n_embd}, 0);
  return w;
}

}  // namespace sy::test
