#pragma once
// The Hugging Face Hub API, the two calls a pull needs (blocking; any thread, no shared state):
//   search:     GET {endpoint}/api/models?search=Q&filter=gguf&sort=S&direction=-1&limit=N&full=true
//   repository: GET {endpoint}/api/models/{owner}/{repo}?blobs=true  (siblings with size and the
//               LFS sha256 of each file, and the commit `sha` the listing belongs to)
// Answers are untrusted: bodies are capped here, and hub_answers.h parses them (JSON depth limited,
// every field type-checked, entries that do not fit skipped). 401/403/404 become hub_error with
// an explanation; 429 is retried after Retry-After (capped) a bounded number of times.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "hub/hub_file_url.h"  // valid_repo_id

namespace sy::hub {

struct hub_options {
  std::string endpoint;                      // hub_endpoint(): $HF_ENDPOINT or https://huggingface.co
  std::optional<std::string> token;          // $HF_TOKEN: sent as Bearer to the endpoint's origin only
  std::chrono::milliseconds timeout{30000};  // per request
  size_t max_body = size_t{16} << 20;        // refuse larger API answers
  int max_retries = 3;                       // on 429 (and on transport errors for downloads)
  std::chrono::seconds max_retry_after{60};  // a longer Retry-After fails at once
  // Waits before a retry; tests shorten it. Default: std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::string user_agent = "switchyard";

  // $HF_ENDPOINT and $HF_TOKEN.
  static hub_options from_environment();
  void wait(std::chrono::milliseconds d) const;
};

struct search_query {
  std::string text;
  unsigned limit = 20;             // 1..100
  std::string sort = "downloads";  // downloads | likes | updated
};

struct search_hit {
  std::string id;  // owner/repo
  uint64_t downloads = 0, likes = 0;
  std::string updated;                  // lastModified as given (ISO 8601), or ""
  std::vector<std::string> gguf_files;  // sibling names ending in .gguf (no sizes in a search answer)
  bool gated = false;
};

struct repo_file {
  std::string path;  // as the hub gives it (untrusted: see repo_path.h before using it on disk)
  uint64_t size = 0;
  std::string sha256;  // LFS oid, lower-case hex; "" when the file is not in LFS
};

struct repo_listing {
  std::string id;        // owner/repo
  std::string revision;  // commit sha of the listing (downloads use it), else "main"
  bool gated = false;
  std::vector<repo_file> files;  // every sibling that passed the checks
};

std::vector<search_hit> search_models(const hub_options& opt, const search_query& q);
repo_listing list_repo(const hub_options& opt, std::string_view repo_id);

// The JSON the admin API returns for a search: {"query":..,"models":[{id,downloads,likes,
// updated,gated,quantizations:[..],files:[..]}]}.
boost::json::object search_json(const search_query& q, const std::vector<search_hit>& hits);

}  // namespace sy::hub
