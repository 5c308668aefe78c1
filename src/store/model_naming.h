#pragma once
// Ollama-like model names, "<family>:<tag>" in lower case: "qwen2.5-0.5b-instruct:q4_k_m".
//
// The family comes from the header (general.basename, else general.name, plus size_label and
// finetune when not already part of it), else from the file name without its split suffix and
// quantization; the tag is the quantization (file type), else one found in the file name, else
// "latest". Names are pure functions of the file, so the same file gets the same name on every
// start; the manifest keeps a name once given, and unique_model_name() settles collisions.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/model_header.h"

namespace sy::store {

// The name a model would get if nothing else had it. `first_file` is the path of its first part.
std::string base_model_name(const model_header& h, const std::string& first_file);

// `base` when `taken(base)` is false, else the first free of "<family>:<tag>-2", "-3", ...
std::string unique_model_name(const std::string& base, const std::function<bool(const std::string&)>& taken);

// A split part's file name, "<prefix>-00001-of-00003.gguf" (llama.cpp's gguf-split naming).
struct split_name {
  std::string prefix;       // the path before "-00001-of-00003.gguf"
  int part = 0, count = 0;  // 1-based
};
std::optional<split_name> parse_split_name(std::string_view path);
// "<prefix>-<part>-of-<count>.gguf", five digits each.
std::string split_part_path(const std::string& prefix, int part, int count);

}  // namespace sy::store
