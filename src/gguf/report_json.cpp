// format_json: the `switchyard inspect --json` report, which always parses: every double goes
// through num() (a non-finite one is null) and every string from the file through text() (bytes
// that are not UTF-8 become U+FFFD; the serializer escapes control characters).
#include <cmath>

#include <boost/json.hpp>

#include "core/untrusted_text.h"

#include "gguf/model_report.h"

namespace sy::gguf {
namespace {

namespace json = boost::json;

json::value opt(const std::optional<uint64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
// JSON has no NaN or infinity (a file may hold them): those are null.
json::value num(double v) {
  return std::isfinite(v) ? json::value(v) : json::value(nullptr);
}
json::value optd(const std::optional<double>& v) {
  return v ? num(*v) : json::value(nullptr);
}

json::string text(std::string_view s) {
  return json::string(valid_utf8(s));
}

json::object tally(const tensor_tally& t) {
  return {
      {"tensors", t.tensors}, {"params", t.params}, {"bytes", t.bytes}, {"bits_per_weight", num(t.bits_per_weight())}};
}

json::array u64s(const std::vector<uint64_t>& v) {
  return json::array(v.begin(), v.end());
}

}  // namespace

std::string format_json(const model_report& r) {
  const auto& m = r.facts;
  json::object o;
  o["source"] = text(r.source);
  o["gguf"] = {{"version", r.version},
               {"file_size", r.file_size},
               {"metadata_count", r.metadata_count},
               {"data_offset", r.data_offset},
               {"alignment", r.alignment}};
  json::array bases;
  for (const auto& b : m.base_models) bases.push_back(text(b));
  o["identity"] = {{"architecture", text(m.architecture)},
                   {"name", text(m.name)},
                   {"size_label", text(m.size_label)},
                   {"finetune", text(m.finetune)},
                   {"license", text(m.license)},
                   {"organization", text(m.organization)},
                   {"base_models", bases},
                   {"file_type", opt(m.file_type)},
                   {"file_type_name", r.file_type_name}};
  json::array types;
  for (auto& t : r.by_type) {
    auto x = tally(t);
    x["type"] = t.type;
    types.push_back(x);
  }
  o["total"] = tally(r.total);
  o["quantization"] = types;
  json::object roles;
  for (int i = 0; i < tensor_role_count; ++i)
    if (r.by_role[i].tensors) roles[tensor_role_name(tensor_role(i))] = tally(r.by_role[i]);
  o["roles"] = roles;
  std::vector<uint64_t> swa;
  for (uint64_t i = 0; i < m.swa_layers.size(); ++i)
    if (m.swa_layers[i]) swa.push_back(i);
  o["shape"] = {{"blocks", m.n_layer},
                {"hidden", m.n_embd},
                {"feed_forward", m.n_ff},
                {"heads", u64s(m.n_head)},
                {"kv_heads", u64s(m.n_head_kv)},
                {"head_dim_k", m.head_dim_k},
                {"head_dim_v", m.head_dim_v},
                {"experts", m.n_expert},
                {"experts_used", m.n_expert_used},
                {"experts_shared", m.n_expert_shared},
                {"expert_feed_forward", m.n_ff_expert},
                {"sliding_window", m.sliding_window},
                {"swa_layers", u64s(swa)},
                {"mla", m.is_mla()},
                {"kv_lora_rank", m.kv_lora_rank}};
  o["rope"] = {{"dimension_count", opt(m.rope.dimension_count)},
               {"freq_base", optd(m.rope.freq_base)},
               {"scaling_type", text(m.rope.scaling_type)},
               {"scaling_factor", optd(m.rope.scaling_factor)},
               {"original_context_length", opt(m.rope.original_context_length)}};
  const auto& t = m.tokenizer;
  o["vocabulary"] = {{"model", text(t.model)},  {"pre", text(t.pre)},
                     {"tokens", t.n_tokens},    {"special", t.n_special},
                     {"merges", t.n_merges},    {"bos_id", opt(t.bos_id)},
                     {"eos_id", opt(t.eos_id)}, {"eot_id", opt(t.eot_id)},
                     {"pad_id", opt(t.pad_id)}, {"chat_template_bytes", t.chat_template_bytes}};
  json::array blocks;
  for (auto& g : r.blocks) {
    json::array ts;
    for (auto& e : g.tensors)
      ts.push_back(json::object{{"name", text(e.suffix)}, {"dims", u64s(e.dims)}, {"type", e.type}});
    blocks.push_back(
        json::object{{"layers", u64s(g.layers)}, {"params", g.params}, {"bytes", g.bytes}, {"tensors", ts}});
  }
  o["blocks"] = blocks;
  json::array mem;
  for (auto& e : r.memory)
    mem.push_back(json::object{{"ctx", e.ctx},
                               {"kv_cells", e.kv.cells},
                               {"kv_swa_cells", e.kv.swa_cells},
                               {"kv_bytes", e.kv.bytes()},
                               {"kv_k_bytes", e.kv.k_bytes},
                               {"kv_v_bytes", e.kv.v_bytes},
                               {"weights_bytes", e.weights_bytes},
                               {"compute_bytes", e.compute_bytes},
                               {"total_bytes", e.total_bytes},
                               {"fits", e.fits}});
  o["context"] = {{"trained", m.context_length},
                  {"cache_type", r.cache_type},
                  {"parallel", r.parallel},
                  {"available_bytes", r.available_bytes},
                  {"estimates", mem}};
  return json::serialize(o);
}

}  // namespace sy::gguf
