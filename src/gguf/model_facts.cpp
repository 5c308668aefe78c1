#include "gguf/model_facts.h"

#include <algorithm>
#include <map>

namespace sy::gguf {
namespace {

// Where llama.cpp gives an architecture a sliding-window pattern (src/models/<arch>.cpp):
// period p marks layer il as SWA when il % p < p - 1 (the last layer of each period is full).
struct swa_rule {
  uint64_t period;
  uint64_t default_window;  // 0: the arch uses SWA only when `<arch>.attention.sliding_window` > 0
  const char* kind;
};
const std::map<std::string, swa_rule, std::less<>> swa_rules = {
    {"gemma2", {2, 4096, "standard"}}, {"gemma3", {6, 0, "standard"}},     {"gemma3n", {5, 0, "standard"}},
    {"cohere2", {4, 0, "standard"}},   {"exaone4", {4, 4096, "standard"}}, {"olmo2", {4, 0, "standard"}},
    {"gpt-oss", {2, 0, "standard"}},   {"llama4", {4, 8192, "chunked"}},   {"afmoe", {4, 0, "standard"}},
    {"phi3", {1, 0, "standard"}},
};

std::vector<uint64_t> per_layer(const gguf_file& f, const std::string& key, uint64_t n_layer, uint64_t fallback) {
  std::vector<uint64_t> out(n_layer, fallback);
  const value* v = f.find(key);
  if (!v) return out;
  if (!v->is_array()) {
    std::fill(out.begin(), out.end(), v->as_u64().value_or(fallback));
    return out;
  }
  for (uint64_t i = 0; i < n_layer && i < v->kept(); ++i) out[i] = v->as_u64(i).value_or(fallback);
  return out;
}

uint64_t max_of(const gguf_file& f, const std::string& key) {
  const value* v = f.find(key);
  if (!v) return 0;
  return v->is_array() ? v->ints.max : v->as_u64().value_or(0);  // the tally covers every element
}

}  // namespace

uint64_t model_facts::n_swa_layers() const {
  return std::count(swa_layers.begin(), swa_layers.end(), true);
}

model_facts read_model_facts(const gguf_file& f) {
  model_facts m;
  m.architecture = f.get_string("general.architecture").value_or("");
  m.name = f.get_string("general.name").value_or("");
  m.size_label = f.get_string("general.size_label").value_or("");
  m.finetune = f.get_string("general.finetune").value_or("");
  m.license = f.get_string("general.license").value_or("");
  m.organization = f.get_string("general.organization").value_or("");
  m.file_type = f.get_u64("general.file_type");
  uint64_t n_base = std::min<uint64_t>(f.get_u64("general.base_model.count").value_or(0), 64);
  for (uint64_t i = 0; i < n_base; ++i) {
    auto p = "general.base_model." + std::to_string(i) + ".";
    auto name = f.get_string(p + "name").value_or(f.get_string(p + "repo_url").value_or(""));
    if (!name.empty()) m.base_models.push_back(name);
  }

  const std::string a = m.architecture + ".";
  m.n_layer = std::min<uint64_t>(f.get_u64(a + "block_count").value_or(0), 1u << 16);
  m.n_embd = f.get_u64(a + "embedding_length").value_or(0);
  m.n_ff = max_of(f, a + "feed_forward_length");
  m.context_length = f.get_u64(a + "context_length").value_or(0);
  m.n_head = per_layer(f, a + "attention.head_count", m.n_layer, 0);
  m.n_head_kv = m.n_head;
  if (f.find(a + "attention.head_count_kv")) m.n_head_kv = per_layer(f, a + "attention.head_count_kv", m.n_layer, 0);
  uint64_t head0 = m.n_head.empty() ? 0 : *std::max_element(m.n_head.begin(), m.n_head.end());
  uint64_t dflt_head_dim = head0 ? m.n_embd / head0 : 0;
  m.head_dim_k = f.get_u64(a + "attention.key_length").value_or(dflt_head_dim);
  m.head_dim_v = f.get_u64(a + "attention.value_length").value_or(dflt_head_dim);
  m.n_expert = f.get_u64(a + "expert_count").value_or(0);
  m.n_expert_used = f.get_u64(a + "expert_used_count").value_or(0);
  m.n_expert_shared = f.get_u64(a + "expert_shared_count").value_or(0);
  m.n_ff_expert = f.get_u64(a + "expert_feed_forward_length").value_or(0);
  m.kv_lora_rank = f.get_u64(a + "attention.kv_lora_rank").value_or(0);
  m.key_length_mla = f.get_u64(a + "attention.key_length_mla").value_or(0);
  m.value_length_mla = f.get_u64(a + "attention.value_length_mla").value_or(0);

  m.rope.dimension_count = f.get_u64(a + "rope.dimension_count");
  m.rope.freq_base = f.get_f64(a + "rope.freq_base");
  m.rope.scaling_type = f.get_string(a + "rope.scaling.type").value_or("");
  m.rope.scaling_factor = f.get_f64(a + "rope.scaling.factor");
  m.rope.original_context_length = f.get_u64(a + "rope.scaling.original_context_length");

  // sliding window, as llama.cpp decides it for the architecture
  m.swa_layers.assign(m.n_layer, false);
  auto window = f.get_u64(a + "attention.sliding_window");
  if (auto rule = swa_rules.find(m.architecture); rule != swa_rules.end()) {
    uint64_t w = window.value_or(rule->second.default_window);
    if (w > 0) {
      m.sliding_window = w;
      m.swa_kind = rule->second.kind;
      const value* pat = f.find(a + "attention.sliding_window_pattern");
      if (pat && pat->is_array()) {
        for (uint64_t il = 0; il < m.n_layer && il < pat->kept(); ++il) m.swa_layers[il] = pat->as_u64(il).value_or(0);
      } else {
        uint64_t p = pat ? pat->as_u64().value_or(rule->second.period) : rule->second.period;
        for (uint64_t il = 0; il < m.n_layer; ++il) m.swa_layers[il] = p == 0 || il % p < p - 1;
      }
    }
  }

  auto& t = m.tokenizer;
  t.model = f.get_string("tokenizer.ggml.model").value_or("");
  t.pre = f.get_string("tokenizer.ggml.pre").value_or("");
  if (auto* v = f.find("tokenizer.ggml.tokens")) t.n_tokens = v->size();
  if (auto* v = f.find("tokenizer.ggml.merges")) t.n_merges = v->size();
  // counts come from the header and the reader's tally: a vocabulary is never held in memory
  if (auto* v = f.find("tokenizer.ggml.token_type"); v && v->is_array())
    t.n_special = v->ints.count_of(3) + v->ints.count_of(4);
  t.bos_id = f.get_u64("tokenizer.ggml.bos_token_id");
  t.eos_id = f.get_u64("tokenizer.ggml.eos_token_id");
  t.eot_id = f.get_u64("tokenizer.ggml.eot_token_id");
  t.pad_id = f.get_u64("tokenizer.ggml.padding_token_id");
  if (auto s = f.get_string("tokenizer.chat_template")) t.chat_template_bytes = s->size();
  return m;
}

}  // namespace sy::gguf
