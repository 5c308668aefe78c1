#include "store/model_manifest.h"

#include "store/sqlite_settings.h"
#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <boost/json.hpp>

#include "store/store_error.h"

namespace sy::store {
namespace {

constexpr int schema_version = 1;

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  files TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  source TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  added INTEGER NOT NULL,
  in_store INTEGER NOT NULL,
  architecture TEXT NOT NULL,
  quantization TEXT NOT NULL,
  size_label TEXT NOT NULL,
  parameters INTEGER NOT NULL,
  context_length INTEGER NOT NULL,
  embedding INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS skipped (
  path TEXT PRIMARY KEY,
  size_bytes INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  reason TEXT NOT NULL,
  bad INTEGER NOT NULL
);
)sql";

constexpr const char* columns =
    "name, path, files, size_bytes, mtime_ns, source, sha256, added, in_store, architecture, quantization, "
    "size_label, parameters, context_length, embedding";

[[noreturn]] void fail(sqlite3* db, const std::string& path, std::string_view what) {
  int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
  auto kind = code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? store_errc::bad_manifest : store_errc::io;
  std::string msg = path + ": " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  if (kind == store_errc::bad_manifest) msg += " (move the file away to start a new manifest)";
  throw store_error(kind, msg);
}

// Prepared statements fail with this file's own error type.
class statement : public sqlite_statement {
 public:
  statement(sqlite3* db, const std::string& path, const std::string& sql) : sqlite_statement(db, path, sql, &fail) {}
};

std::string files_json(const std::vector<std::string>& files) {
  boost::json::array a;
  for (const auto& f : files) a.emplace_back(f);
  return boost::json::serialize(a);
}

std::vector<std::string> files_from_json(const std::string& text, const std::string& path) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array())
    throw store_error(store_errc::bad_manifest, path + ": a models.files value is not a JSON array");
  for (const auto& f : v.as_array()) {
    if (!f.is_string()) throw store_error(store_errc::bad_manifest, path + ": a models.files entry is not a string");
    out.emplace_back(f.as_string());
  }
  return out;
}

manifest_entry read_row(const statement& s, const std::string& path) {
  manifest_entry e;
  auto& m = e.model;
  m.name = s.text(0);
  m.path = s.text(1);
  m.files = files_from_json(s.text(2), path);
  m.size_bytes = std::uint64_t(s.integer(3));
  e.mtime_ns = s.integer(4);
  m.source = s.text(5);
  m.sha256 = s.text(6);
  m.added = s.integer(7);
  m.in_store = s.integer(8) != 0;
  m.architecture = s.text(9);
  m.quantization = s.text(10);
  m.size_label = s.text(11);
  m.parameters = std::uint64_t(s.integer(12));
  m.context_length = std::uint64_t(s.integer(13));
  m.embedding = s.integer(14) != 0;
  return e;
}

}  // namespace

model_manifest::model_manifest(const std::string& path) : path_(path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  apply_sqlite_settings();
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = path + ": cannot open: " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_close(db_);
    throw store_error(store_errc::io, msg);
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    sqlite3_extended_result_codes(db_, 0);
    in_transaction([&] {
      exec(schema_sql);
      statement q(db_, path_, "SELECT max(version) FROM schema_version");
      q.step();
      if (q.is_null(0)) {  // a new database
        statement ins(db_, path_, "INSERT INTO schema_version (version) VALUES (?)");
        ins.bind(1, std::int64_t{schema_version}).step();
      } else if (q.integer(0) != schema_version) {
        throw store_error(store_errc::bad_manifest, path_ + ": manifest schema version " + q.text(0) + " is not " +
                                                        std::to_string(schema_version) +
                                                        " (written by another switchyard version)");
      }
    });
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

model_manifest::~model_manifest() {
  sqlite3_close(db_);
}

void model_manifest::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    fail(db_, path_, "cannot update");
  }
}

void model_manifest::in_transaction(const std::function<void()>& fn) {
  std::lock_guard lock(mu_);
  if (!sqlite3_get_autocommit(db_)) {  // nested: part of the outer transaction
    fn();
    return;
  }
  exec("BEGIN IMMEDIATE");
  try {
    fn();
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec("COMMIT");
}

void model_manifest::put(const manifest_entry& e) {
  const auto& m = e.model;
  in_transaction([&] {
    statement del(db_, path_, "DELETE FROM models WHERE path = ? AND name <> ?");
    del.bind(1, m.path).bind(2, m.name).step();
    statement s(db_, path_,
                std::string("INSERT OR REPLACE INTO models (") + columns +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, m.name)
        .bind(2, m.path)
        .bind(3, files_json(m.files))
        .bind(4, std::int64_t(m.size_bytes))
        .bind(5, e.mtime_ns)
        .bind(6, m.source)
        .bind(7, m.sha256)
        .bind(8, m.added)
        .bind(9, std::int64_t{m.in_store})
        .bind(10, m.architecture)
        .bind(11, m.quantization)
        .bind(12, m.size_label)
        .bind(13, std::int64_t(m.parameters))
        .bind(14, std::int64_t(m.context_length))
        .bind(15, std::int64_t{m.embedding});
    s.step();
  });
}

bool model_manifest::remove(std::string_view name) {
  std::lock_guard lock(mu_);
  statement s(db_, path_, "DELETE FROM models WHERE name = ?");
  s.bind(1, name).step();
  return sqlite3_changes(db_) > 0;
}

std::optional<manifest_entry> model_manifest::find(std::string_view name) const {
  std::lock_guard lock(mu_);
  statement s(db_, path_, std::string("SELECT ") + columns + " FROM models WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_row(s, path_);
}

std::optional<manifest_entry> model_manifest::find_path(std::string_view path) const {
  std::lock_guard lock(mu_);
  statement s(db_, path_, std::string("SELECT ") + columns + " FROM models WHERE path = ?");
  s.bind(1, path);
  if (!s.step()) return std::nullopt;
  return read_row(s, path_);
}

std::vector<manifest_entry> model_manifest::list() const {
  std::lock_guard lock(mu_);
  statement s(db_, path_, std::string("SELECT ") + columns + " FROM models ORDER BY name");
  std::vector<manifest_entry> out;
  while (s.step()) out.push_back(read_row(s, path_));
  return out;
}

void model_manifest::put_skipped(const skipped_file& f) {
  std::lock_guard lock(mu_);
  statement s(db_, path_,
              "INSERT OR REPLACE INTO skipped (path, size_bytes, mtime_ns, reason, bad) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, f.path)
      .bind(2, std::int64_t(f.size_bytes))
      .bind(3, f.mtime_ns)
      .bind(4, f.reason)
      .bind(5, std::int64_t{f.bad})
      .step();
}

void model_manifest::forget_skipped(std::string_view path) {
  std::lock_guard lock(mu_);
  statement s(db_, path_, "DELETE FROM skipped WHERE path = ?");
  s.bind(1, path).step();
}

std::vector<skipped_file> model_manifest::skipped() const {
  std::lock_guard lock(mu_);
  statement s(db_, path_, "SELECT path, size_bytes, mtime_ns, reason, bad FROM skipped ORDER BY path");
  std::vector<skipped_file> out;
  while (s.step()) out.push_back({s.text(0), std::uint64_t(s.integer(1)), s.integer(2), s.text(3), s.integer(4) != 0});
  return out;
}

}  // namespace sy::store
