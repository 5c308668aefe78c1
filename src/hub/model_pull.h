#pragma once
// `pull owner/repo[:quant|:file]`: list the repository, choose a GGUF entry (gguf_catalog.h),
// check names (repo_path.h) and free disk, download every part (file_download.h) into
// <home>/models/owner/repo/<path>, and register the model in the store with its origin and sha256.
// Blocking; what the CLI and the admin API (POST /api/models/pull) both call. Callbacks run on
// the calling thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "hub/file_download.h"
#include "hub/hub_api.h"
#include "store/local_model.h"

namespace sy::hub {

struct pull_spec {
  std::string repo;      // owner/repo
  std::string selector;  // "", a quantization, or a path ending in .gguf
};
// "owner/repo", "owner/repo:Q4_K_M", "owner/repo:sub/file.gguf" (an "hf.co/" or
// "huggingface.co/" prefix is accepted); nullopt when it is none of these.
std::optional<pull_spec> parse_pull_spec(std::string_view text);

struct pull_progress {
  std::string file;  // the part being fetched
  unsigned part = 1, parts = 1;
  download_progress bytes;  // over the whole entry (all parts)
};

struct pull_options {
  hub_options hub;
  std::string home;  // the store home (store_home.h resolve_home)
  unsigned jobs = 4;
  uint64_t parallel_threshold = uint64_t{64} << 20;
  uint64_t disk_margin = uint64_t{256} << 20;  // kept free beyond the download
  // Free bytes on the filesystem of a folder; default statvfs. Tests inject a small number.
  std::function<uint64_t(const std::string& dir)> free_space;
  std::function<void(const pull_progress&)> progress;
  std::function<void(const std::string& line)> note;  // what is happening, in words
  const std::atomic<bool>* cancel = nullptr;          // stops the pull (resumable)
};

struct pull_result {
  std::string repo, revision, path, quant;  // path: the (first) file in the repository
  std::vector<std::string> files;           // on disk, every part
  uint64_t size = 0, fetched = 0;
  std::string sha256;        // of the first part
  bool transferred = false;  // false: it was already in the store
  store::local_model model;  // as registered
};

// Throws hub_error (hub, network, disk space, names, checksum), store::store_error and
// gguf::gguf_error (the file is not a usable model).
pull_result pull_model(std::string_view spec, const pull_options& opt);

// Free bytes for an unprivileged user under `dir` (statvfs f_bavail * f_frsize). Throws hub_error.
uint64_t free_disk_bytes(const std::string& dir);

// {"repo","revision","path","quant","files":[..],"size","fetched","sha256","transferred","name"}
boost::json::object pull_result_json(const pull_result& r);
// {"file","part","parts","done","total","rate","verifying"}: one progress event for SSE.
boost::json::object pull_progress_json(const pull_progress& p);

}  // namespace sy::hub
