#pragma once
// A repository's GGUF files as models to choose from: split parts ("-00001-of-00003.gguf")
// grouped into one entry with the summed size, the quantization read from the file name
// (Q4_K_M, IQ4_XS, F16, BF16, Q8_0, ...), and the choice a `pull owner/repo[:sel]` makes.
// Pure functions over names and sizes; no network, no disk.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/hub_api.h"

namespace sy::hub {

struct gguf_entry {
  std::string path;              // the first part's path (the name a user types)
  std::string quant;             // upper case; "" when the name shows none
  std::vector<repo_file> parts;  // one file, or every part of a split in order
  uint64_t size = 0;             // all parts
  bool mmproj = false;           // a multimodal projector: never chosen by default
};

// "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf" -> "Q4_K_M"; "model-f16-00001-of-00002.gguf" -> "F16";
// "" when the name has no recognizable quantization.
std::string quant_of(std::string_view file_name);

// The *.gguf files grouped (sorted by path). A split with a part missing, or parts of differing
// counts, is left out with a line in `notes`.
std::vector<gguf_entry> group_gguf_files(const std::vector<repo_file>& files,
                                         std::vector<std::string>* notes = nullptr);

// Distinct quantizations among file names, the default preference first, then by name.
std::vector<std::string> quantizations_on_offer(const std::vector<std::string>& names);

// The entry `selector` names: "" (the default: Q4_K_M, Q4_K_S, Q5_K_M, Q4_0, Q5_K_S, Q6_K, Q8_0,
// then the smallest; projectors never), a quantization (case-insensitive), or a file path ending
// in .gguf (any part of a split selects the whole split). Throws hub_error listing what is on
// offer when nothing or more than one entry matches.
const gguf_entry& choose_entry(const std::vector<gguf_entry>& entries, std::string_view selector,
                               std::string_view repo_id);

// One line per entry for messages: "Q4_K_M  4.07 GiB  model-Q4_K_M.gguf".
std::string describe_entries(const std::vector<gguf_entry>& entries);

}  // namespace sy::hub
