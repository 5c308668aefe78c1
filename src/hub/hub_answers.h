#pragma once
// The Hub API's JSON answers turned into native types, apart from the HTTP that fetches them (so
// a fuzz target builds them alone). Answers are untrusted: the caller caps the body
// (hub_options::max_body), JSON depth is limited to 32, every field is type-checked and bounded,
// entries that do not fit are skipped, and lists are cut at a fixed count.
#include <string_view>
#include <vector>

#include "hub/hub_api.h"

namespace sy::hub {

// GET /api/models?...&full=true: a list of repositories (at most 100 hits, 1000 GGUF names each;
// hits whose id is not a plain owner/repo are skipped). Throws hub_error unless it is a JSON list.
std::vector<search_hit> parse_search_answer(std::string_view body);

// GET /api/models/{repo_id}?blobs=true: the commit sha and the siblings with sizes and LFS
// sha256 (at most 100000; a file without a size is skipped). Throws hub_error unless it is an
// object with a "siblings" list.
repo_listing parse_repo_answer(std::string_view body, std::string_view repo_id);

}  // namespace sy::hub
