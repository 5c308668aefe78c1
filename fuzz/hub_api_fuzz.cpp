// Fuzz target: the Hugging Face Hub API answers (search results and a repository's file listing),
// then what consumes their untrusted names: quantization names, split grouping, the default choice.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/gguf_catalog.h"
#include "hub/hub_answers.h"
#include "hub/hub_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& hit : sy::hub::parse_search_answer(body)) (void)sy::hub::quantizations_on_offer(hit.gguf_files);
  } catch (const sy::hub::hub_error&) {
  }
  try {
    auto listing = sy::hub::parse_repo_answer(body, "owner/repo");
    auto entries = sy::hub::group_gguf_files(listing.files);
    (void)sy::hub::choose_entry(entries, "", listing.id);
    (void)sy::hub::choose_entry(entries, "q8_0", listing.id);
  } catch (const sy::hub::hub_error&) {
  }
  return 0;
}
