#pragma once
// One file from the hub into the store, safely:
//   - an exclusive lock (flock on <partial>.lock) so two processes download it once: the second
//     waits, then finds the finished file and only verifies it;
//   - the bytes go to <partial> (a .part file under <home>/models/.partial/), for big files in
//     blocks (4-32 MiB) that `jobs` connections take in file order, each retried from the byte it
//     reached (HTTP Range) after a dropped connection, a timeout or a 429 (Retry-After honoured);
//   - <partial>.progress records how far each block got, so a later run (after a crash, Ctrl-C or
//     a cancel) resumes from the bytes already on disk;
//   - while the bytes arrive, the sha256 follows the contiguous prefix on disk (read back from
//     the file; on a resume, the bytes of the earlier run first) and written ranges are handed to
//     writeback, so after the last byte only the tail is hashed and the fdatasync has little left;
//   - size and sha256 are checked, and the data synced, before an atomic rename to the final path
//     (then its folder is synced). A mismatch deletes the partial file and its progress: nothing
//     is left behind.
// Blocking; runs its threads itself. The progress callback is called on the calling thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "hub/hub_api.h"

namespace sy::hub {

struct download_progress {
  uint64_t done = 0, total = 0;  // bytes on disk (resumed bytes included) of this file
  double rate = 0;               // bytes per second over the last seconds
  bool verifying = false;        // hashing: `done` counts hashed bytes
  bool resumed = false;          // some bytes came from an earlier run
};

struct download_options {
  hub_options hub;                                   // timeout, token, 429 limits, sleep, user agent
  unsigned jobs = 4;                                 // connections for a big file (1..16)
  uint64_t parallel_threshold = uint64_t{64} << 20;  // smaller files use one connection
  int chunk_retries = 5;                             // per chunk, counted since its last progress
  std::function<void(const download_progress&)> progress;
  std::function<void()> on_wait;              // another process holds the lock: called once before waiting
  const std::atomic<bool>* cancel = nullptr;  // set from any thread: the download stops, resumable
};

struct download_request {
  std::string url;           // the resolve URL (redirects followed; the token only to its origin)
  std::string partial_path;  // where the bytes go until verified
  std::string final_path;    // renamed to when verified (its folder is created)
  uint64_t size = 0;         // expected size
  std::string sha256;        // expected digest (lower-case hex); "" checks the size only
};

struct download_result {
  bool transferred = false;   // false: the final file was already there (verified)
  uint64_t fetched = 0;       // bytes received by this call
  uint64_t resumed_from = 0;  // bytes found on disk from an earlier run
  unsigned connections = 0;   // chunks downloaded in parallel
};

// Throws hub_error: HTTP errors (explained), retries exhausted, cancelled (the partial file is
// kept for a resume), checksum or size mismatch (the partial file is deleted), disk errors.
download_result download_file(const download_request& req, const download_options& opt);

}  // namespace sy::hub
