#include "gguf/model_report.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace sy::gguf {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "blk.12.attn_q.weight" -> {12, "attn_q.weight"}; nullopt for tensors outside the blocks.
std::optional<std::pair<uint64_t, std::string_view>> split_block(std::string_view name) {
  if (!starts_with(name, "blk.")) return std::nullopt;
  auto rest = name.substr(4);
  auto dot = rest.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 6) return std::nullopt;
  uint64_t n = 0;
  for (char c : rest.substr(0, dot)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + uint64_t(c - '0');
  }
  return std::pair{n, rest.substr(dot + 1)};
}

// Compute-buffer estimate (one ubatch, CPU, no flash attention, so an upper bound):
//   4 B × ubatch × (n_vocab + 4·n_embd + 3·n_ff_active + n_head·cells)
// logits for the batch, activations, the widest FFN intermediate, and one layer's KQ scores.
uint64_t compute_estimate(const model_facts& m, uint64_t ubatch, uint64_t cells) {
  uint64_t n_ff = std::max(m.n_ff, m.n_ff_expert * std::max<uint64_t>(m.n_expert_used, 1));
  uint64_t n_head = m.n_head.empty() ? 0 : *std::max_element(m.n_head.begin(), m.n_head.end());
  return 4 * ubatch * (m.tokenizer.n_tokens + 4 * m.n_embd + 3 * n_ff + n_head * cells);
}

}  // namespace

std::string_view tensor_role_name(tensor_role r) {
  switch (r) {
    case tensor_role::embeddings: return "embeddings";
    case tensor_role::attention: return "attention";
    case tensor_role::ffn_dense: return "feed-forward (dense)";
    case tensor_role::ffn_experts: return "feed-forward (MoE experts)";
    case tensor_role::ffn_shared_experts: return "feed-forward (shared experts)";
    case tensor_role::moe_router: return "MoE router";
    case tensor_role::norms: return "norms";
    case tensor_role::output: return "output head";
    case tensor_role::other: return "other";
  }
  return "other";
}

tensor_role classify_tensor(std::string_view name) {
  auto base = name;
  if (auto b = split_block(name)) base = b->second;
  auto stem = base.substr(0, base.rfind('.'));  // drop ".weight" / ".bias"
  if (ends_with(stem, "_norm") || stem == "norm") return tensor_role::norms;
  if (starts_with(name, "token_embd") || starts_with(name, "pos_embd") || starts_with(name, "token_types") ||
      starts_with(name, "per_layer_token_embd"))
    return tensor_role::embeddings;
  if (starts_with(name, "output")) return tensor_role::output;
  if (starts_with(stem, "ffn_") && (ends_with(stem, "_shexp") || ends_with(stem, "_shexp_gate")))
    return tensor_role::ffn_shared_experts;
  if (starts_with(stem, "ffn_gate_inp") || starts_with(stem, "exp_probs")) return tensor_role::moe_router;
  if (starts_with(stem, "ffn_") && ends_with(stem, "_exps")) return tensor_role::ffn_experts;
  if (starts_with(stem, "ffn_")) return tensor_role::ffn_dense;
  if (starts_with(stem, "attn_")) return tensor_role::attention;
  return tensor_role::other;
}

uint64_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  uint64_t kib = 0;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

model_report build_report(const gguf_file& f, const std::string& source, const inspect_options& opt) {
  model_report r;
  r.source = source;
  r.version = f.version;
  r.file_size = f.file_size;
  r.metadata_count = f.metadata.size();
  r.data_offset = f.data_offset;
  r.alignment = f.alignment;
  r.facts = read_model_facts(f);
  if (r.facts.file_type) r.file_type_name = llama_ftype_name(uint32_t(*r.facts.file_type));

  std::map<std::string, type_tally> types;
  std::map<uint64_t, block_group> per_block;
  for (const auto& t : f.tensors) {
    auto add = [&](tensor_tally& x) {
      x.tensors += 1;
      x.params += t.n_elements;
      x.bytes += t.n_bytes;
    };
    add(r.total);
    add(r.by_role[size_t(classify_tensor(t.name))]);
    auto& ty = types[std::string(t.type.name)];
    ty.type = t.type.name;
    add(ty);
    if (auto b = split_block(t.name)) {
      auto& g = per_block[b->first];
      g.tensors.push_back({std::string(b->second), t.dims, std::string(t.type.name)});
      g.params += t.n_elements;
      g.bytes += t.n_bytes;
    }
  }
  for (auto& [_, t] : types) r.by_type.push_back(t);
  std::sort(r.by_type.begin(), r.by_type.end(), [](auto& a, auto& b) { return a.bytes > b.bytes; });

  // Group identical blocks: same suffixes, shapes and types, in order.
  auto key_of = [](const block_group& g) {
    std::ostringstream k;
    for (auto& e : g.tensors) {
      k << e.suffix << ':' << e.type;
      for (auto d : e.dims) k << ',' << d;
      k << ';';
    }
    return k.str();
  };
  std::map<std::string, size_t> group_index;
  for (auto& [layer, g] : per_block) {
    std::sort(g.tensors.begin(), g.tensors.end(), [](auto& a, auto& b) { return a.suffix < b.suffix; });
    auto k = key_of(g);
    auto [it, fresh] = group_index.emplace(k, r.blocks.size());
    if (fresh) {
      r.blocks.push_back(g);
      r.blocks.back().layers.clear();
    }
    r.blocks[it->second].layers.push_back(layer);
  }

  r.cache_type = opt.cache_type;
  r.parallel = std::max<uint64_t>(opt.parallel, 1);
  r.available_bytes = opt.available_bytes ? opt.available_bytes : mem_available_bytes();
  auto contexts = opt.contexts;
  if (contexts.empty()) {
    uint64_t trained = r.facts.context_length;
    contexts.push_back(trained ? std::min<uint64_t>(trained, 4096) : 4096);
    if (trained > 4096) contexts.push_back(trained);
  }
  for (uint64_t ctx : contexts) {
    memory_estimate e;
    e.ctx = ctx;
    e.kv = estimate_kv_cache(r.facts, ctx, r.parallel, opt.cache_type, opt.ubatch);
    e.weights_bytes = r.total.bytes;
    e.compute_bytes = compute_estimate(r.facts, opt.ubatch, e.kv.cells);
    e.total_bytes = e.weights_bytes + e.kv.bytes() + e.compute_bytes;
    e.fits = r.available_bytes > 0 && e.total_bytes <= r.available_bytes;
    r.memory.push_back(e);
  }
  return r;
}

}  // namespace sy::gguf
