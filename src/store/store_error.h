#pragma once
// The one error the local model store throws: what went wrong, and a kind callers branch on
// (the CLI prints close matches for not_found, a hint for registered_in_place).
#include <stdexcept>
#include <string>

namespace sy::store {

enum class store_errc {
  not_found,            // no model with that name
  registered_in_place,  // a models.paths entry: the store never deletes it
  not_a_model,          // a GGUF file that cannot be served alone (vocab-only, projector, adapter)
  bad_manifest,         // manifest.db is not a SQLite database, or has a newer/unknown schema
  io,                   // a file or SQLite operation failed
};

class store_error : public std::runtime_error {
 public:
  store_error(store_errc kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  store_errc kind() const { return kind_; }

 private:
  store_errc kind_;
};

}  // namespace sy::store
