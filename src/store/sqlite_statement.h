#pragma once
// A prepared SQLite statement, finalized on scope exit. Every failure (prepare, bind, step) is
// handed to the owner's `fail`, which throws the owner's own error type (a store_error for the
// manifest, a runtime_error for the usage ledger) and never returns.
//
// Threading: as the connection it was prepared on.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace sy::store {

using sqlite_fail_fn = void (*)(sqlite3* db, const std::string& path, std::string_view what);

class sqlite_statement {
 public:
  sqlite_statement(sqlite3* db, const std::string& path, const std::string& sql, sqlite_fail_fn fail)
      : db_(db), path_(path), fail_(fail) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) failed("prepare");
  }
  ~sqlite_statement() { sqlite3_finalize(st_); }
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;

  sqlite_statement& bind(int i, std::string_view v) {
    check(sqlite3_bind_text(st_, i, v.data(), int(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  // Binds `v` without copying it: the caller keeps its bytes alive and unchanged until the
  // statement is stepped and reset (or `i` is bound again). For hot inserts.
  sqlite_statement& bind_borrowed(int i, std::string_view v) {
    check(sqlite3_bind_text(st_, i, v.data(), int(v.size()), SQLITE_STATIC));
    return *this;
  }
  sqlite_statement& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(st_, i, v));
    return *this;
  }
  // True while there is a row; false when done.
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    failed("query");
  }
  // For the next execution: the row pointer and the bindings are cleared.
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  // For the next execution with every parameter bound again: the bindings are kept (clearing
  // them costs as much as binding).
  void rewind() { sqlite3_reset(st_); }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(st_, col))) : "";
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  double real(int col) const { return sqlite3_column_double(st_, col); }
  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }

 private:
  [[noreturn]] void failed(std::string_view what) const {
    fail_(db_, path_, what);
    std::abort();  // fail_ throws; never reached
  }
  void check(int rc) {
    if (rc != SQLITE_OK) failed("bind");
  }
  sqlite3* db_;
  const std::string& path_;
  sqlite_fail_fn fail_;
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace sy::store
