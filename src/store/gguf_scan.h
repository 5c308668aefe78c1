#pragma once
// Finding model files on disk: *.gguf under a file or folder, split parts grouped under their
// first part. Reads no file contents (the library reads headers, and only for new or changed
// files). Stateless; safe from any thread.
#include <cstdint>
#include <string>
#include <vector>

namespace sy::store {

// One model's files as found on disk.
struct gguf_group {
  std::string path;                // absolute, normalized; the first part of a split
  std::vector<std::string> files;  // every part, first to last
  std::uint64_t size_bytes = 0;    // all parts
  std::int64_t mtime_ns = 0;       // the newest part's modification time (unix ns): with size, the header cache key
};

// The models under `root`: a .gguf file, or a folder searched recursively (folder symlinks are
// not followed, file symlinks are). Sorted by path. Skipped with a line appended to `warnings`:
// missing roots, unreadable folders, splits with a missing part. Skipped silently: files with
// "mmproj" in their name (multimodal projectors are loaded beside a model, never alone), parts
// other than the first, and other extensions.
std::vector<gguf_group> scan_models(const std::string& root, std::vector<std::string>& warnings);

// The group of one file (with all its parts when `path` is a split part). Throws store_error
// (io) when a file or part is missing.
gguf_group group_of(const std::string& path);

// `path` made absolute and lexically normal (symlinks are kept as they are).
std::string normal_path(const std::string& path);

}  // namespace sy::store
