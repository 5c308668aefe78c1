#include "server/usage_store.h"

#include "server/usage_query.h"
#include "store/sqlite_settings.h"
#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "core/sha256.h"

namespace sy {
namespace {

namespace json = boost::json;

using namespace usage_detail;

constexpr int schema_version = 3;

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS usage (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  route TEXT NOT NULL,
  backend TEXT NOT NULL,
  model TEXT NOT NULL,
  requested_model TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  status INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  attempts TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS usage_at_ms ON usage (at_ms);
)sql";

// Requests past the request log's retention (or over its row cap), summed per hour and group:
// the usage they were leaves them, the per-request details go.
constexpr const char* hourly_schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS usage_hourly (
  hour_ms INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  route TEXT NOT NULL,
  backend TEXT NOT NULL,
  model TEXT NOT NULL,
  requested_model TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  status INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cut_short INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL,
  ttft_count INTEGER NOT NULL,
  PRIMARY KEY (hour_ms, key_id, route, backend, model, requested_model, endpoint, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS request_bodies (
  id INTEGER PRIMARY KEY,
  request TEXT NOT NULL,
  response TEXT NOT NULL
);
)sql";

// Version 1 -> 2: what the request log shows beside the usage (rows of version 1 get '').
constexpr const char* migrate_1_to_2_sql = R"sql(
ALTER TABLE usage ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN attempts TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN error TEXT NOT NULL DEFAULT '';
)sql";

constexpr std::size_t max_text_bytes = 256;
constexpr std::size_t max_long_text_bytes = 1024;            // attempts, error
constexpr std::int64_t max_tokens = 1'000'000'000;           // per request: sums cannot overflow
constexpr std::int64_t max_duration_us = 1'000'000'000'000;  // ~11.6 days

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// ---- SQLite helpers -------------------------------------------------------------------------

void exec(sqlite3* db, const std::string& path, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("{}: {}", path, msg));
  }
}

// Prepared statements fail with this file's own error type.
class statement : public sy::store::sqlite_statement {
 public:
  statement(sqlite3* db, const std::string& path, const std::string& sql)
      : sqlite_statement(db, path, sql, &sqlite_fail) {}
};

sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  // each connection is used under its own mutex (write_mu_, read_mu_): SQLite's own locking
  // per call would only repeat it
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  store::apply_sqlite_settings();
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = fmt::format("{}: cannot open: {}", path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    throw std::runtime_error(msg);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

// Creates the schema in a new file; refuses a newer schema or a file that is not a ledger.
void ensure_schema(sqlite3* db, const std::string& path) {
  exec(db, path, "PRAGMA journal_mode=WAL");
  exec(db, path, "PRAGMA synchronous=NORMAL");
  exec(db, path, "BEGIN IMMEDIATE");
  try {
    statement v(db, path, "PRAGMA user_version");
    v.step();
    auto version = v.integer(0);
    if (version == 0) {
      statement t(db, path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
      t.step();
      if (t.integer(0) != 0) throw std::runtime_error(path + ": not a usage ledger (it holds other tables)");
      exec(db, path, schema_sql);
      exec(db, path, hourly_schema_sql);
      exec(db, path, fmt::format("PRAGMA user_version = {}", schema_version).c_str());
    } else if (version == 1 || version == 2) {
      if (version == 1) exec(db, path, migrate_1_to_2_sql);
      exec(db, path, hourly_schema_sql);  // 2 -> 3
      exec(db, path, fmt::format("PRAGMA user_version = {}", schema_version).c_str());
    } else if (version != schema_version) {
      throw std::runtime_error(
          fmt::format("{}: usage ledger schema version {} is not {} (written by another "
                      "switchyard version)",
                      path, version, schema_version));
    }
    exec(db, path, hourly_schema_sql);  // idempotent: the tables version 3 gained as it grew
    exec(db, path, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::string_view cut(const std::string& s, std::size_t max_bytes = max_text_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
  return std::string_view(s).substr(0, n);
}

std::int64_t clamp(std::int64_t v, std::int64_t hi) {
  return std::clamp<std::int64_t>(v, 0, hi);
}

}  // namespace

namespace usage_detail {

void sqlite_fail(sqlite3* db, const std::string& path, std::string_view what) {
  throw std::runtime_error(fmt::format("{}: {}: {}", path, what, db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace usage_detail

// ---- usage_key_id ---------------------------------------------------------------------------

std::string usage_key_id(std::string_view api_key) {
  if (api_key.empty()) return "anonymous";
  sha256_hasher h;
  h.update(api_key.data(), api_key.size());
  return "key-" + h.hex_digest().substr(0, 12);
}

// ---- usage_store ----------------------------------------------------------------------------

usage_store::usage_store(std::string path, std::function<std::int64_t()> now_ms, usage_store_options options)
    : path_(std::move(path)), now_ms_(now_ms ? std::move(now_ms) : wall_clock_ms), options_(options) {
  options_.queue_limit = std::max<std::size_t>(options_.queue_limit, 1);
  options_.batch_size = std::max<std::size_t>(options_.batch_size, 1);
  set_retention(options_);
  try {
    write_db_ = open_db(path_);
    ensure_schema(write_db_, path_);
    last_prune_ms_ = now_ms_();  // the writer compacts first thing (writer_loop)
    read_db_ = open_db(path_);
  } catch (...) {
    sqlite3_close(read_db_);
    sqlite3_close(write_db_);
    throw;
  }
  queue_.reserve(std::min<std::size_t>(options_.queue_limit, options_.batch_size));
  writer_ = std::thread([this] { writer_loop(); });
}

usage_store::~usage_store() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();
  insert_group_.reset();  // statements go before their connection
  insert_one_.reset();
  sqlite3_close(read_db_);
  sqlite3_close(write_db_);
}

void usage_store::record(usage_record r) {
  std::unique_lock lock(mu_);
  if (queue_.size() >= options_.queue_limit) {
    lock.unlock();
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(r));
  bool wake = queue_.size() == options_.batch_size;
  lock.unlock();
  if (wake) wake_.notify_one();
}

void usage_store::flush() {
  std::unique_lock lock(mu_);
  auto ticket = ++flush_requested_;
  wake_.notify_one();
  flushed_.wait(lock, [&] { return flush_done_ >= ticket; });
}

void usage_store::writer_loop() {
  // first the compaction of what the file held, here rather than in the constructor: a large
  // ledger's would hold up the gateway's start (records queue meanwhile; flush() waits for it)
  try {
    compact(last_prune_ms_);
  } catch (const std::exception& e) {
    spdlog::error("usage ledger: compacting failed: {}", e.what());
  }
  std::vector<usage_record> batch;  // swapped with the queue, so both keep their capacity
  auto last_drop_log = std::chrono::steady_clock::time_point{};
  std::uint64_t logged_drops = 0;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, options_.flush_interval,
                   [&] { return stop_ || queue_.size() >= options_.batch_size || flush_requested_ > flush_done_; });
    auto ticket = flush_requested_;
    bool stopping = stop_;
    batch.swap(queue_);
    lock.unlock();

    rows_since_compact_ += batch.size();
    if (!batch.empty()) write_batch(batch);
    batch.clear();
    // hourly, and whenever a twentieth of the row cap was written since the last time
    auto now = now_ms_();
    auto cap = max_request_rows_.load(std::memory_order_relaxed);
    if (now - last_prune_ms_ >= hour_ms || rows_since_compact_ >= cap / 20 + 1) {
      last_prune_ms_ = now;
      rows_since_compact_ = 0;
      try {
        compact(now);
      } catch (const std::exception& e) {
        spdlog::error("usage ledger: compacting failed: {}", e.what());
      }
    }
    auto drops = dropped();
    if (drops != logged_drops && std::chrono::steady_clock::now() - last_drop_log >= std::chrono::minutes(1)) {
      spdlog::warn("usage ledger: {} records dropped so far (queue full or write failed)", drops);
      logged_drops = drops;
      last_drop_log = std::chrono::steady_clock::now();
    }

    lock.lock();
    flush_done_ = ticket;
    flushed_.notify_all();
    if (stopping && queue_.empty()) return;
  }
}

namespace {

constexpr int columns = 18;
constexpr std::size_t rows_per_insert = 32;

// Binds `r` as row `row` (from 0) of an insert_statement(); its texts are borrowed.
void bind_row(store::sqlite_statement& s, int row, const usage_record& r) {
  const int p = row * columns;
  s.bind(p + 1, clamp(r.at_ms, max_time_ms))
      .bind_borrowed(p + 2, cut(r.key_id))
      .bind_borrowed(p + 3, cut(r.route))
      .bind_borrowed(p + 4, cut(r.backend))
      .bind_borrowed(p + 5, cut(r.model))
      .bind_borrowed(p + 6, cut(r.requested_model))
      .bind_borrowed(p + 7, cut(r.endpoint))
      .bind(p + 8, std::int64_t{std::min(r.status, 999u)})
      .bind(p + 9, clamp(r.input_tokens, max_tokens))
      .bind(p + 10, clamp(r.output_tokens, max_tokens))
      .bind(p + 11, clamp(r.cached_tokens, max_tokens))
      .bind(p + 12, std::int64_t{r.stream})
      .bind(p + 13, std::int64_t{r.complete})
      .bind(p + 14, clamp(r.duration_us, max_duration_us))
      .bind(p + 15, r.ttft_us < 0 ? -1 : clamp(r.ttft_us, max_duration_us))
      .bind_borrowed(p + 16, cut(r.request_id))
      .bind_borrowed(p + 17, cut(r.attempts, max_long_text_bytes))
      .bind_borrowed(p + 18, cut(r.error, max_long_text_bytes));
}

// An INSERT of `rows` rows, bound by bind_row().
std::unique_ptr<store::sqlite_statement> insert_statement(sqlite3* db, const std::string& path, std::size_t rows) {
  std::string sql =
      "INSERT INTO usage (at_ms, key_id, route, backend, model, requested_model, endpoint, status, input_tokens, "
      "output_tokens, cached_tokens, stream, complete, duration_us, ttft_us, request_id, attempts, error) VALUES ";
  for (std::size_t i = 0; i < rows; ++i)
    sql += i ? ",(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  return std::make_unique<store::sqlite_statement>(db, path, sql, &sqlite_fail);
}

}  // namespace

void usage_store::write_batch(std::vector<usage_record>& batch) {
  std::lock_guard lock(write_mu_);
  try {
    exec(write_db_, path_, "BEGIN IMMEDIATE");
    try {
      // rows go in groups of rows_per_insert, one statement each (a statement's own cost, e.g.
      // opening and halting its program, is then paid once per group), the rest one by one
      if (!insert_group_) insert_group_ = insert_statement(write_db_, path_, rows_per_insert);
      if (!insert_one_) insert_one_ = insert_statement(write_db_, path_, 1);
      auto& group = *insert_group_;
      auto& single = *insert_one_;
      // the bodies kept with rows [first, first + n), which took the ids up to the last insert's
      auto keep_bodies = [&](std::size_t first, std::size_t n) {
        auto last_id = sqlite3_last_insert_rowid(write_db_);
        for (std::size_t k = 0; k < n; ++k) {
          const auto& r = batch[first + k];
          if (!r.captured) continue;
          statement b(write_db_, path_, "INSERT INTO request_bodies (id, request, response) VALUES (?, ?, ?)");
          b.bind(1, last_id - static_cast<std::int64_t>(n - 1 - k))
              .bind(2, std::string_view(r.request_body))
              .bind(3, std::string_view(r.response_body))
              .step();
        }
      };
      std::size_t i = 0;
      for (; batch.size() - i >= rows_per_insert; i += rows_per_insert) {
        for (std::size_t k = 0; k < rows_per_insert; ++k) bind_row(group, static_cast<int>(k), batch[i + k]);
        group.step();
        group.rewind();  // every parameter is bound again; the borrowed texts are not read after this
        keep_bodies(i, rows_per_insert);
      }
      for (; i < batch.size(); ++i) {
        bind_row(single, 0, batch[i]);
        single.step();
        single.rewind();
        keep_bodies(i, 1);
      }
    } catch (...) {
      insert_group_.reset();  // prepared again for the next batch, from a clean state
      insert_one_.reset();
      sqlite3_exec(write_db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    exec(write_db_, path_, "COMMIT");
  } catch (const std::exception& e) {
    dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
    spdlog::error("usage ledger: {} records lost: {}", batch.size(), e.what());
  }
}

void usage_store::prune(std::int64_t older_than_ms) {
  std::lock_guard lock(write_mu_);
  prune_locked(older_than_ms);
}

void usage_store::prune_locked(std::int64_t older_than_ms) {
  statement s(write_db_, path_, "DELETE FROM usage WHERE at_ms < ?");
  s.bind(1, older_than_ms).step();
  auto n = sqlite3_changes(write_db_);
  // the bodies of requests that are gone (ids grow with time: those below the oldest left)
  exec(write_db_, path_,
       "DELETE FROM request_bodies WHERE id < (SELECT coalesce(min(id), 9223372036854775807) FROM usage)");
  statement h(write_db_, path_, "DELETE FROM usage_hourly WHERE hour_ms < ?");
  h.bind(1, older_than_ms).step();
  n += sqlite3_changes(write_db_);
  if (n > 0) spdlog::info("usage ledger: pruned {} old records", n);
}

void usage_store::set_retention(const usage_store_options& o) {
  requests_retention_ms_.store(o.requests_retention_ms, std::memory_order_relaxed);
  max_request_rows_.store(std::max<std::uint64_t>(o.max_request_rows, 1), std::memory_order_relaxed);
  retention_ms_.store(o.retention_ms, std::memory_order_relaxed);
}

void usage_store::compact(std::int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  compact_locked(now_ms);
}

namespace {

// Sums the requests with id <= ?1 into usage_hourly (adding to the hours already there), then
// deletes them.
constexpr const char* rollup_sql = R"sql(
INSERT INTO usage_hourly (hour_ms, key_id, route, backend, model, requested_model, endpoint, status, requests,
                          input_tokens, output_tokens, cached_tokens, cut_short, duration_us, ttft_us, ttft_count)
SELECT (at_ms / 3600000) * 3600000, key_id, route, backend, model, requested_model, endpoint, status, count(*),
       sum(input_tokens), sum(output_tokens), sum(cached_tokens), sum(complete = 0), sum(duration_us),
       coalesce(sum(CASE WHEN ttft_us >= 0 THEN ttft_us END), 0), sum(ttft_us >= 0)
FROM usage WHERE id <= ?1
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, input_tokens = input_tokens + excluded.input_tokens,
  output_tokens = output_tokens + excluded.output_tokens, cached_tokens = cached_tokens + excluded.cached_tokens,
  cut_short = cut_short + excluded.cut_short, duration_us = duration_us + excluded.duration_us,
  ttft_us = ttft_us + excluded.ttft_us, ttft_count = ttft_count + excluded.ttft_count
)sql";

constexpr std::int64_t rollup_chunk_rows = 50'000;  // per transaction: recording waits at most for one

}  // namespace

void usage_store::compact_locked(std::int64_t now_ms) {
  // the newest request to leave the log: the last one past its retention, or the one that
  // keeps it at its row cap, whichever is later (ids grow with time)
  std::int64_t last = 0;
  {
    statement old(write_db_, path_, "SELECT id FROM usage WHERE at_ms < ? ORDER BY at_ms DESC LIMIT 1");
    old.bind(1, now_ms - requests_retention_ms_.load(std::memory_order_relaxed));
    if (old.step()) last = old.integer(0);
    statement range(write_db_, path_, "SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM usage");
    range.step();
    auto cap = static_cast<std::int64_t>(max_request_rows_.load(std::memory_order_relaxed));
    if (range.integer(1) - range.integer(0) + 1 > cap) last = std::max(last, range.integer(1) - cap);
    std::int64_t first = range.integer(0);
    std::int64_t moved = 0;
    for (std::int64_t upto = std::min(last, first + rollup_chunk_rows - 1); first > 0 && first <= last;
         upto = std::min(last, upto + rollup_chunk_rows)) {
      exec(write_db_, path_, "BEGIN IMMEDIATE");
      try {
        statement roll(write_db_, path_, rollup_sql);
        roll.bind(1, upto).step();
        statement del(write_db_, path_, "DELETE FROM usage WHERE id <= ?");
        del.bind(1, upto).step();
        moved += sqlite3_changes(write_db_);
        statement bodies(write_db_, path_, "DELETE FROM request_bodies WHERE id <= ?");
        bodies.bind(1, upto).step();
        exec(write_db_, path_, "COMMIT");
      } catch (...) {
        sqlite3_exec(write_db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      if (upto == last) break;
    }
    if (moved > 0) spdlog::info("usage ledger: {} requests left the request log for the hourly usage totals", moved);
  }
  prune_locked(now_ms - retention_ms_.load(std::memory_order_relaxed));
}

std::string usage_store::summary_json(const usage_query& q) {
  // Column names come from the whitelist only; every value is a bound parameter.
  std::vector<const column*> groups;
  for (const auto& g : q.group_by) {
    auto* c = find_column(g);
    if (!c) throw std::invalid_argument("unknown usage column '" + quoted(g) + "'");
    groups.push_back(c);
  }
  auto bucket = bucket_ms(q.bucket);
  if (bucket < 0) throw std::invalid_argument("unknown usage bucket '" + quoted(q.bucket) + "'");

  // the requests still in the log and the hourly totals of those that left it, as one source of
  // rows with a request count each (1 for a logged request)
  std::string filters;
  int param = 3;
  for (const auto& [name, value] : q.filters) {
    auto* c = find_column(name);
    if (!c) throw std::invalid_argument("unknown usage column '" + quoted(name) + "'");
    if (c->integer && !to_int(value)) throw std::invalid_argument(std::string(c->name) + " must be a number");
    filters += fmt::format(" AND {} = ?{}", c->sql, param++);
  }
  const std::string where = fmt::format(
      " FROM (SELECT key_id, route, backend, model, requested_model, endpoint, status, at_ms, 1 AS n, input_tokens, "
      "output_tokens, cached_tokens, complete = 0 AS cut, duration_us AS dur, "
      "CASE WHEN ttft_us >= 0 THEN ttft_us END AS ttft, ttft_us >= 0 AS ttft_n "
      "FROM usage WHERE at_ms >= ?1 AND at_ms < ?2{0} "
      "UNION ALL SELECT key_id, route, backend, model, requested_model, endpoint, status, hour_ms, requests, "
      "input_tokens, output_tokens, cached_tokens, cut_short, duration_us, ttft_us, ttft_count "
      "FROM usage_hourly WHERE hour_ms >= ?1 AND hour_ms < ?2{0})",
      filters);
  auto bind_where = [&](statement& s) {
    s.bind(1, q.from_ms).bind(2, q.to_ms);
    int i = 3;
    for (const auto& [name, value] : q.filters) {
      if (find_column(name)->integer)
        s.bind(i++, *to_int(value));
      else
        s.bind(i++, std::string_view(value));
    }
  };
  constexpr std::string_view counters =
      "coalesce(sum(n), 0) AS requests, coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), "
      "coalesce(sum(cached_tokens), 0), coalesce(sum(CASE WHEN status >= 400 THEN n END), 0), coalesce(sum(cut), 0), "
      "sum(dur) * 1.0 / sum(n), sum(ttft) * 1.0 / nullif(sum(ttft_n), 0)";
  auto read_counters = [](const statement& s, int at, json::object& o) {
    o["requests"] = s.integer(at);
    o["input_tokens"] = s.integer(at + 1);
    o["output_tokens"] = s.integer(at + 2);
    o["cached_tokens"] = s.integer(at + 3);
    o["errors"] = s.integer(at + 4);
    o["cut_short"] = s.integer(at + 5);
    o["avg_duration_ms"] = s.is_null(at + 6) ? json::value(nullptr) : json::value(s.real(at + 6) / 1000.0);
    o["avg_ttft_ms"] = s.is_null(at + 7) ? json::value(nullptr) : json::value(s.real(at + 7) / 1000.0);
  };

  json::object out;
  out["from"] = format_time(q.from_ms);
  out["to"] = format_time(q.to_ms);
  out["from_ms"] = q.from_ms;
  out["to_ms"] = q.to_ms;
  json::array group_names;
  for (auto* c : groups) group_names.emplace_back(c->name);
  out["group_by"] = std::move(group_names);
  out["bucket"] = q.bucket;

  std::lock_guard lock(read_mu_);
  exec(read_db_, path_, "BEGIN");  // totals and groups from one snapshot
  try {
    statement t(read_db_, path_, fmt::format("SELECT {}{}", counters, where));
    bind_where(t);
    t.step();
    json::object totals;
    read_counters(t, 0, totals);
    out["totals"] = std::move(totals);

    json::array rows;
    bool truncated = false;
    if (!groups.empty() || bucket > 0) {
      std::string select, group, order;
      for (auto* c : groups) {
        select += fmt::format("{}, ", c->sql);
        group += fmt::format("{}{}", group.empty() ? "" : ", ", c->sql);
      }
      if (bucket > 0) {
        select += fmt::format("(at_ms / {0}) * {0} AS bucket_start, ", bucket);
        group += fmt::format("{}bucket_start", group.empty() ? "" : ", ");
        order = "bucket_start, ";
      }
      order += "requests DESC";
      for (auto* c : groups) order += fmt::format(", {}", c->sql);
      statement s(read_db_, path_,
                  fmt::format("SELECT {}{}{} GROUP BY {} ORDER BY {} LIMIT {}", select, counters, where, group, order,
                              max_groups + 1));
      bind_where(s);
      while (s.step()) {
        if (rows.size() == max_groups) {
          truncated = true;
          break;
        }
        json::object o;
        int col = 0;
        for (auto* c : groups) {
          if (c->integer)
            o[c->name] = s.integer(col);
          else
            o[c->name] = s.text(col);
          ++col;
        }
        if (bucket > 0) {
          o["bucket_start"] = format_time(s.integer(col));
          o["bucket_start_ms"] = s.integer(col);
          ++col;
        }
        read_counters(s, col, o);
        rows.push_back(std::move(o));
      }
    }
    out["groups"] = std::move(rows);
    out["truncated"] = truncated;
  } catch (...) {
    sqlite3_exec(read_db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec(read_db_, path_, "COMMIT");
  return json::serialize(out);
}
std::optional<std::string> usage_store::bodies_json(std::int64_t id) {
  std::lock_guard lock(read_mu_);
  statement s(read_db_, path_, "SELECT request, response FROM request_bodies WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return json::serialize(json::object{{"id", id}, {"request", s.text(0)}, {"response", s.text(1)}});
}

}  // namespace sy
