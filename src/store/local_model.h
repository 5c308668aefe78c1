#pragma once
// One model of the local store: where its files are, where it came from, and what its GGUF
// header says (read once, then cached in the manifest).
#include <cstdint>
#include <string>
#include <vector>

namespace sy::store {

struct local_model {
  std::string name;                // "qwen2.5-0.5b-instruct:q4_k_m"; clients use "local/<name>"
  std::string path;                // the GGUF to load (the first part of a split)
  std::vector<std::string> files;  // every part, first to last (one entry when not split)
  std::uint64_t size_bytes = 0;    // all parts together
  std::string source;              // "hf:owner/repo/file.gguf" when pulled, "path" for models.paths, "store"
  std::string sha256;              // of `path`, lower-case hex; "" when unknown
  std::int64_t added = 0;          // unix seconds
  bool in_store = false;           // under <home>/models (rm deletes the files) vs registered in place

  // From the GGUF header.
  std::string architecture;          // general.architecture
  std::string quantization;          // "Q4_K_M" (general.file_type); "" when absent
  std::string size_label;            // general.size_label ("0.5B"); "" when absent
  std::uint64_t parameters = 0;      // tensor elements over all parts
  std::uint64_t context_length = 0;  // <arch>.context_length (trained)
  bool embedding = false;            // encoder architecture, or <arch>.pooling_type present
};

}  // namespace sy::store
