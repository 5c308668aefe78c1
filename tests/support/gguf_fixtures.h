#pragma once
// Tiny random-weight models built at test time (never committed): a llama GQA model, a qwen2moe
// MoE model with shared experts, and a gemma2 model with sliding-window layers. The tokenizer is
// copied from llama.cpp's vocab-only ggml-vocab-llama-spm.gguf when present (read with our own
// reader), else a small synthetic SPM vocabulary.
#include <string>

#include "gguf_writer.h"

namespace sy::test {

struct fixture_shape {
  uint32_t n_layer = 2;
  uint32_t n_embd = 64;
  uint32_t n_head = 4;
  uint32_t n_head_kv = 2;
  uint32_t n_ff = 128;
  uint32_t n_ctx_train = 2048;
  uint32_t weight_type = 0;                                    // ggml type of the 2-D weights (0 = F32, 1 = F16)
  uint32_t n_expert = 4, n_expert_used = 2, n_ff_expert = 32;  // MoE fixture
  uint32_t sliding_window = 128;                               // gemma2 fixture
  // llama fixture for text generation: no output.weight (the token embedding is tied), and the
  // rows of byte-fallback tokens zeroed, so sampling never picks them (random weights would
  // otherwise emit invalid UTF-8 that llama-server's chat parser rejects).
  bool text_safe = false;
};

// The vocab-only GGUF shipped with the pinned llama.cpp build; "" when absent.
std::string vocab_gguf_path(const std::string& name = "llama-spm");
// Copies tokenizer.* keys from the vocab file, or writes a 259-token synthetic vocabulary.
// Returns the vocabulary size.
uint32_t add_tokenizer(gguf_writer& w);

gguf_writer llama_fixture(const fixture_shape& s = {});
gguf_writer moe_fixture(const fixture_shape& s = {});
gguf_writer gemma2_fixture(const fixture_shape& s = {});

}  // namespace sy::test
