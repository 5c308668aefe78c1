#include "store/model_header.h"

#include <set>

#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_facts.h"

namespace sy::store {
namespace {

// Encoder-only architectures in llama.cpp: they produce embeddings, not text.
const std::set<std::string, std::less<>> encoder_archs = {"bert",         "nomic-bert",   "nomic-bert-moe",
                                                          "jina-bert-v2", "jina-bert-v3", "modern-bert",
                                                          "neo-bert",     "t5encoder",    "gemma-embedding"};

// "MOSTLY_Q4_K_M" -> "Q4_K_M", "ALL_F32" -> "F32"; "" for unknown codes.
std::string quantization_name(uint64_t file_type) {
  auto n = gguf::llama_ftype_name(uint32_t(file_type));
  for (std::string_view prefix : {"MOSTLY_", "ALL_"})
    if (n.starts_with(prefix)) return n.substr(prefix.size());
  return "";
}

}  // namespace

model_header read_model_header(const std::vector<std::string>& files) {
  model_header h;
  for (size_t i = 0; i < files.size(); ++i) {
    gguf::file_source src(files[i]);
    auto f = gguf::read_gguf(src);
    h.tensors += f.tensors.size();
    for (const auto& t : f.tensors) h.parameters += t.n_elements;
    if (i > 0) continue;
    auto facts = gguf::read_model_facts(f);
    h.architecture = facts.architecture;
    h.name = facts.name;
    h.size_label = facts.size_label;
    h.finetune = facts.finetune;
    h.basename = f.get_string("general.basename").value_or("");
    h.type = f.get_string("general.type").value_or("");
    h.context_length = facts.context_length;
    if (facts.file_type) h.quantization = quantization_name(*facts.file_type);
    h.embedding = encoder_archs.contains(facts.architecture) ||
                  (!facts.architecture.empty() && f.find(facts.architecture + ".pooling_type"));
  }
  return h;
}

std::string not_a_model_reason(const model_header& h) {
  if (h.tensors == 0) return "no tensors (vocab-only file)";
  if (h.architecture == "clip") return "a multimodal projector (clip), not a model";
  if (!h.type.empty() && h.type != "model") return "general.type is \"" + h.type + "\", not a model";
  return "";
}

void apply_header(const model_header& h, local_model& m) {
  m.architecture = h.architecture;
  m.quantization = h.quantization;
  m.size_label = h.size_label;
  m.parameters = h.parameters;
  m.context_length = h.context_length;
  m.embedding = h.embedding;
}

}  // namespace sy::store
