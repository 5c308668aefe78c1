#pragma once
// The local model store: GGUF files under <home>/models plus files and folders registered in
// place (config models.paths), each known by a unique, stable name and listed from the manifest.
//
//   refresh()        rescans the folders; a header is read only when a file is new or its size
//                    or mtime changed (files that are not models are remembered too); malformed
//                    files are skipped with a warning on every refresh; files that are gone are
//                    forgotten
//   list(), find()   read the manifest only
//   register_file()  records a pulled file with its origin and sha256
//   remove()         deletes an in-store model's files; refuses a model registered in place
//
// A name, once given to a path, stays with it while the file is there. New files are named in
// path order, so a collision is settled the same way on every machine ("-2", "-3" on the tag).
//
// Threading: all members are safe from any thread; the manifest serializes writers, across
// processes too.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/local_model.h"
#include "store/model_manifest.h"

namespace sy::store {

struct library_options {
  std::string home;                // the store home (see store_home.h); created when missing
  std::vector<std::string> paths;  // models.paths: .gguf files or folders, registered in place
};

class model_library {
 public:
  // Creates <home>/models when missing and opens (or creates) the manifest. Throws store_error.
  explicit model_library(library_options opts);

  // Brings the manifest in line with the disk. Returns the warnings, which are also logged.
  std::vector<std::string> refresh();

  std::vector<local_model> list() const;                         // by name
  std::optional<local_model> find(std::string_view name) const;  // case-insensitive

  // Records a model file (any part of a split stands for the whole) with its origin, e.g. after
  // a pull renamed it into <home>/models. A path already known keeps its name. Throws
  // store_error (io, not_a_model) or gguf::gguf_error for a malformed header.
  local_model register_file(const std::string& path, const std::string& source, const std::string& sha256 = "");

  // Deletes an in-store model's files (and folders left empty under models/), then its row.
  // Throws store_error: not_found, registered_in_place (a models.paths entry is never deleted:
  // remove it from the configuration instead), io.
  local_model remove(std::string_view name);

  const std::string& home() const { return opts_.home; }
  std::string models_dir() const;

 private:
  bool in_store_path(const std::string& path) const;
  library_options opts_;
  std::string models_dir_;  // normalized
  std::unique_ptr<model_manifest> manifest_;
};

}  // namespace sy::store
