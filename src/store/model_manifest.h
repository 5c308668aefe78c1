#pragma once
// The store's manifest: one SQLite row per model (manifest.db in the store home), holding its
// name, files, origin and the facts read from its GGUF header, so headers are read once.
//
// Schema version 1 (table schema_version): models(name PK, path UNIQUE, files JSON array,
// size_bytes, mtime_ns, source, sha256, added, in_store, architecture, quantization, size_label,
// parameters, context_length, embedding); skipped(path PK, size_bytes, mtime_ns, reason, bad):
// scanned files that are not models, so they are not read again until they change. A database
// with another version is refused.
//
// Threading: every member is safe to call from any thread (one connection behind a mutex).
// Several processes (a server and the CLI) may open the same file: writers wait up to 5 s for
// each other, and in_transaction() makes a read-modify-write atomic across processes.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/local_model.h"

struct sqlite3;

namespace sy::store {

struct manifest_entry {
  local_model model;
  std::int64_t mtime_ns = 0;  // newest part's mtime when the header was read (with size_bytes: cache key)
};

// A scanned file that is not listed: not a model (vocab-only, projector, adapter), or unreadable.
struct skipped_file {
  std::string path;
  std::uint64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
  std::string reason;
  bool bad = false;  // malformed or unreadable (warned about on every refresh), vs. not a model
};

class model_manifest {
 public:
  // Opens or creates the database (not its folder). Throws store_error: bad_manifest when the
  // file is not a SQLite database or has an unknown schema version, io otherwise.
  explicit model_manifest(const std::string& path);
  ~model_manifest();
  model_manifest(const model_manifest&) = delete;
  model_manifest& operator=(const model_manifest&) = delete;

  // Inserts or replaces the row with this name; a row with the same path and another name is
  // replaced too (a path belongs to one model). Throws store_error (io).
  void put(const manifest_entry& e);
  // False when there was no such row.
  bool remove(std::string_view name);
  std::optional<manifest_entry> find(std::string_view name) const;
  std::optional<manifest_entry> find_path(std::string_view path) const;
  std::vector<manifest_entry> list() const;  // by name

  // Inserts or replaces by path.
  void put_skipped(const skipped_file& f);
  void forget_skipped(std::string_view path);
  std::vector<skipped_file> skipped() const;  // by path

  // Runs `fn` in one write transaction (BEGIN IMMEDIATE): committed when it returns, rolled back
  // when it throws (the exception propagates). `fn` may call the other members; other threads
  // wait until it is done.
  void in_transaction(const std::function<void()>& fn);

  const std::string& path() const { return path_; }

 private:
  void exec(const char* sql);
  std::string path_;
  sqlite3* db_ = nullptr;
  mutable std::recursive_mutex mu_;  // recursive: in_transaction's callback calls the members
};

}  // namespace sy::store
