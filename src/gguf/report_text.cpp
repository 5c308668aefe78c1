// format_text: the human-readable `switchyard inspect` report. Every string that comes from the
// file (or names it) goes through terminal_safe(): a header must not drive the terminal. Floats
// print as fmt does, "nan" and "inf" included.
#include <fmt/format.h>

#include "core/human_units.h"
#include "core/untrusted_text.h"
#include "gguf/model_report.h"

namespace sy::gguf {
namespace {

std::string dims_text(const std::vector<uint64_t>& d) {
  std::string s;
  for (size_t i = 0; i < d.size(); ++i) s += (i ? " x " : "") + std::to_string(d[i]);
  return s;
}

std::string layers_text(const std::vector<uint64_t>& l) {
  std::string s;
  for (size_t i = 0; i < l.size();) {
    size_t j = i;
    while (j + 1 < l.size() && l[j + 1] == l[j] + 1) ++j;
    if (!s.empty()) s += ",";
    s += j > i ? fmt::format("{}-{}", l[i], l[j]) : std::to_string(l[i]);
    i = j + 1;
  }
  return s;
}

std::string uniform_or_list(const std::vector<uint64_t>& v) {
  if (v.empty()) return "?";
  for (auto x : v)
    if (x != v[0]) return "per layer [" + layers_text(v) + "]";
  return std::to_string(v[0]);
}

}  // namespace

std::string format_text(const model_report& r) {
  const auto& m = r.facts;
  std::string o;
  auto line = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) o += fmt::format("  {:<22}{}\n", k, v);
  };
  auto safe = [](std::string_view s) { return terminal_safe(s); };
  o += fmt::format("{}\n  GGUF v{}, {} ({}), {} metadata keys, {} tensors, data at byte {}\n\n", safe(r.source),
                   r.version, human_bytes(r.file_size), r.file_size, r.metadata_count, r.total.tensors, r.data_offset);

  o += "Identity\n";
  line("architecture", safe(m.architecture));
  line("name", safe(m.name));
  line("size label", safe(m.size_label));
  line("finetune", safe(m.finetune));
  line("organization", safe(m.organization));
  line("license", safe(m.license));
  for (auto& b : m.base_models) line("base model", safe(b));
  line("file type", safe(r.file_type_name));

  o += fmt::format("\nQuantization ({} parameters, {}, {:.2f} bits/weight)\n", human_count(r.total.params),
                   human_bytes(r.total.bytes), r.total.bits_per_weight());
  o += fmt::format("  {:<10}{:>8}{:>16}{:>14}{:>8}\n", "type", "tensors", "parameters", "bytes", "bpw");
  for (auto& t : r.by_type)
    o += fmt::format("  {:<10}{:>8}{:>16}{:>14}{:>8.2f}\n", t.type, t.tensors, t.params, human_bytes(t.bytes),
                     t.bits_per_weight());

  o += "\nParameters by role\n";
  for (int i = 0; i < tensor_role_count; ++i) {
    const auto& t = r.by_role[i];
    if (!t.tensors) continue;
    double pct = r.total.params ? 100.0 * double(t.params) / double(r.total.params) : 0;
    o += fmt::format("  {:<30}{:>12} {:>6.2f}%  {:>12}\n", tensor_role_name(tensor_role(i)), human_count(t.params), pct,
                     human_bytes(t.bytes));
  }

  o += "\nShape\n";
  line("blocks", std::to_string(m.n_layer));
  line("hidden size", std::to_string(m.n_embd));
  line("feed-forward size", std::to_string(m.n_ff));
  line("attention heads", uniform_or_list(m.n_head));
  line("KV heads", uniform_or_list(m.n_head_kv));
  if (!m.n_head.empty() && !m.n_head_kv.empty() && m.n_head_kv[0])
    line("GQA ratio", fmt::format("{}", double(m.n_head[0]) / double(m.n_head_kv[0])));
  line("head dim (k / v)", fmt::format("{} / {}", m.head_dim_k, m.head_dim_v));
  if (m.n_expert)
    line("experts",
         fmt::format("{} ({} used, {} shared, ffn {})", m.n_expert, m.n_expert_used, m.n_expert_shared, m.n_ff_expert));
  if (m.is_mla())
    line("MLA", fmt::format("kv_lora_rank {}, key {} value {}", m.kv_lora_rank, m.key_length_mla, m.value_length_mla));
  if (m.sliding_window)
    line("sliding window",
         fmt::format("{} ({}), {} of {} layers: [{}]", m.sliding_window, m.swa_kind, m.n_swa_layers(), m.n_layer, [&] {
           std::vector<uint64_t> l;
           for (uint64_t i = 0; i < m.swa_layers.size(); ++i)
             if (m.swa_layers[i]) l.push_back(i);
           return layers_text(l);
         }()));

  o += "\nRoPE\n";
  if (m.rope.dimension_count) line("dimensions", std::to_string(*m.rope.dimension_count));
  if (m.rope.freq_base) line("freq base", fmt::format("{}", *m.rope.freq_base));
  line("scaling", safe(m.rope.scaling_type));
  if (m.rope.scaling_factor) line("scaling factor", fmt::format("{}", *m.rope.scaling_factor));
  if (m.rope.original_context_length) line("original context", std::to_string(*m.rope.original_context_length));

  const auto& t = m.tokenizer;
  o += "\nVocabulary\n";
  line("tokenizer", safe(t.model) + (t.pre.empty() ? "" : " (pre: " + safe(t.pre) + ")"));
  line("tokens", fmt::format("{} ({} special), {} merges", t.n_tokens, t.n_special, t.n_merges));
  auto id = [](const std::optional<uint64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
  line("bos / eos / eot / pad",
       fmt::format("{} / {} / {} / {}", id(t.bos_id), id(t.eos_id), id(t.eot_id), id(t.pad_id)));
  line("chat template", t.chat_template_bytes ? fmt::format("{} bytes", t.chat_template_bytes) : "none");

  o += "\nBlocks\n";
  for (auto& g : r.blocks) {
    o += fmt::format("  blk.[{}]  ({} tensors, {} params, {} each)\n", layers_text(g.layers), g.tensors.size(),
                     human_count(g.params), human_bytes(g.bytes));
    for (auto& e : g.tensors) o += fmt::format("    {:<28}{:<24}{}\n", safe(e.suffix), dims_text(e.dims), e.type);
  }

  o += fmt::format("\nMemory (trained context {}, KV cache {}, {} parallel slot{})\n", m.context_length, r.cache_type,
                   r.parallel, r.parallel == 1 ? "" : "s");
  for (auto& e : r.memory) {
    o += fmt::format("  ctx {:<8} KV {} ({} cells", e.ctx, human_bytes(e.kv.bytes()), e.kv.cells);
    if (e.kv.swa_layers) o += fmt::format("; {} SWA layers at {} cells", e.kv.swa_layers, e.kv.swa_cells);
    o += fmt::format(")  + weights {} + compute ~{} = {}  -> {}\n", human_bytes(e.weights_bytes),
                     human_bytes(e.compute_bytes), human_bytes(e.total_bytes),
                     r.available_bytes == 0 ? "RAM unknown"
                     : e.fits               ? fmt::format("fits ({} available)", human_bytes(r.available_bytes))
                              : fmt::format("does NOT fit ({} available)", human_bytes(r.available_bytes)));
  }
  return o;
}

}  // namespace sy::gguf
