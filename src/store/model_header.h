#pragma once
// What the store takes from a model's GGUF header(s): identity for naming, and the facts `ls`
// shows. Only headers are read, never the weights.
#include <cstdint>
#include <string>
#include <vector>

#include "store/local_model.h"

namespace sy::store {

struct model_header {
  // naming inputs (general.*)
  std::string basename, name, size_label, finetune;
  std::string type;  // general.type: "model", "adapter", ... ("" when absent)
  // shown by ls
  std::string architecture, quantization;  // quantization "Q4_K_M", "F16"; "" when general.file_type is absent
  std::uint64_t parameters = 0;            // tensor elements over all parts
  std::uint64_t tensors = 0;               // tensor count over all parts
  std::uint64_t context_length = 0;
  bool embedding = false;
};

// Reads the header of every part (parameters and tensors summed; the rest from the first part).
// Throws gguf::gguf_error for a missing, unreadable or malformed file.
model_header read_model_header(const std::vector<std::string>& files);

// Why a GGUF file is not a loadable model, or "" when it is one. Skipped: files without tensors
// (llama.cpp's vocab-only ggml-vocab-*.gguf), multimodal projectors (architecture "clip"), and
// anything whose general.type is set and is not "model" (LoRA adapters are "adapter"): none of
// them can be served on its own.
std::string not_a_model_reason(const model_header& h);

// Copies the header facts into the model's fields.
void apply_header(const model_header& h, local_model& m);

}  // namespace sy::store
