#pragma once
// Model hyperparameters read from GGUF metadata (`general.*`, `<arch>.*`, `tokenizer.*`), with
// llama.cpp's defaults where a key is optional. Per-layer values (head counts, SWA) are expanded
// to one entry per block.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"

namespace sy::gguf {

struct rope_facts {
  std::optional<uint64_t> dimension_count;
  std::optional<double> freq_base;
  std::string scaling_type;  // "" when absent; "none", "linear", "yarn", ...
  std::optional<double> scaling_factor;
  std::optional<uint64_t> original_context_length;
};

struct tokenizer_facts {
  std::string model, pre;
  uint64_t n_tokens = 0;
  uint64_t n_special = 0;  // token_type control (3) or user-defined (4)
  uint64_t n_merges = 0;
  std::optional<uint64_t> bos_id, eos_id, eot_id, pad_id;
  uint64_t chat_template_bytes = 0;
};

struct model_facts {
  // identity
  std::string architecture, name, size_label, finetune, license, organization;
  std::vector<std::string> base_models;
  std::optional<uint64_t> file_type;  // llama_ftype
  // shape
  uint64_t n_layer = 0, n_embd = 0, n_ff = 0, context_length = 0;
  std::vector<uint64_t> n_head, n_head_kv;  // per layer
  uint64_t head_dim_k = 0, head_dim_v = 0;  // key_length / value_length (default n_embd / n_head)
  uint64_t n_expert = 0, n_expert_used = 0, n_expert_shared = 0, n_ff_expert = 0;
  // attention variants
  uint64_t sliding_window = 0;   // 0: none
  std::vector<bool> swa_layers;  // per layer: true when the layer uses the sliding window
  std::string swa_kind;          // "standard", "chunked" or ""
  uint64_t kv_lora_rank = 0;     // MLA when > 0
  uint64_t key_length_mla = 0, value_length_mla = 0;
  rope_facts rope;
  tokenizer_facts tokenizer;

  bool is_mla() const { return key_length_mla > 0 && value_length_mla > 0; }  // as llama_hparams::is_mla
  uint64_t n_swa_layers() const;
};

model_facts read_model_facts(const gguf_file& f);

}  // namespace sy::gguf
