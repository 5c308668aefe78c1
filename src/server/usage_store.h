#pragma once
// The usage ledger and request log: one SQLite row per inference request (tokens in, out and
// cached, by API key, route, backend and model; status, timings, the attempts and the error), the
// summaries behind GET /api/usage and the pages of GET /api/requests.
//
// Schema version 3 (PRAGMA user_version): usage(id, at_ms, key_id, route, backend, model,
// requested_model, endpoint, status, input_tokens, output_tokens, cached_tokens, stream, complete,
// duration_us, ttft_us, request_id, attempts, error), indexed on at_ms; request_bodies(id, request,
// response) for the requests whose bodies were kept; and usage_hourly (below).
// A version 1 file gains the last three columns (empty in its old rows), 1 and 2 the hourly table. WAL journal,
// synchronous=NORMAL. A database with a newer version is refused. The row id grows with every row: it is the request
// log's paging key.
//
// Threading: record() is called on the gateway's IO threads and never touches the disk: it appends
// to a bounded in-memory queue (a full queue drops the record and counts it in dropped()). One
// writer thread inserts the queue in one transaction per batch, every flush_interval or as soon as
// batch_size records wait, and compacts hourly (see compact()). flush(), summary_json(), prune()
// and compact() block on the disk: call them off the IO threads. Every member is thread-safe.
//
// Retention: each request stays in `usage` (the request log) for requests_retention_ms and
// while it is among the newest max_request_rows; then it is summed into usage_hourly (per hour
// and group: requests, tokens, cut-short streams, duration and TTFT sums), which keeps usage
// summaries whole for retention_ms at a fraction of the rows. Summaries read both tables (an
// hour that left the log counts at its start); request pages read only the log.
//
// Secrets: rows carry usage_key_id(key), a short hash, never the key itself.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

struct sqlite3;

namespace sy::store {
class sqlite_statement;
}

namespace sy {

struct usage_record {
  std::int64_t at_ms = 0;  // unix ms (when the request finished)
  std::string key_id;      // usage_key_id(client key)
  std::string route;       // the route group it went through, "" if none
  std::string backend;
  std::string model;            // target id "<backend>/<model>"
  std::string requested_model;  // what the client asked for
  std::string endpoint;         // "/v1/chat/completions"
  unsigned status = 0;          // HTTP status sent (0: none)
  std::int64_t input_tokens = 0, output_tokens = 0, cached_tokens = 0;
  bool stream = false;
  bool complete = true;                        // false: a stream cut short (tokens are what it produced)
  std::int64_t duration_us = 0, ttft_us = -1;  // ttft_us: -1 when unknown
  std::string request_id;
  std::string attempts;  // "target: why; ..." of the targets that failed before one answered
  std::string error;     // what the client was told went wrong, "" if nothing
  // observability.capture_bodies: the request's body and what it was sent ("" when not kept)
  bool captured = false;
  std::string request_body, response_body;
};

// A summary request: rows with from_ms <= at_ms < to_ms matching every filter, grouped by the
// group_by columns and, when bucket is set, by UTC minute/hour/day.
struct usage_query {
  std::int64_t from_ms = 0, to_ms = 0;
  std::vector<std::string> group_by;           // key, route, backend, model, requested_model, endpoint, status
  std::string bucket;                          // "", "minute", "hour", "day"
  std::map<std::string, std::string> filters;  // the same names -> exact value
};

// A page of the request log: the newest rows with id < before_id (0: the newest of all) and
// from_ms <= at_ms < to_ms that match every filter, newest first.
struct request_page_query {
  std::int64_t before_id = 0;
  std::size_t limit = 50;  // 1 to max_page_rows
  std::int64_t from_ms = 0, to_ms = 0;
  std::map<std::string, std::string> filters;  // key, route, backend, model, requested_model, endpoint -> value
  unsigned status_min = 0, status_max = 999;   // status=429, status=5xx, status=error (400-999)
};

struct usage_store_options {
  std::size_t queue_limit = 100'000;  // records waiting for the writer; more are dropped
  std::size_t batch_size = 512;       // the writer wakes when this many wait
  std::chrono::milliseconds flush_interval{1000};
  // The request log keeps each request this long, and at most this many; older ones are summed
  // into hourly usage totals, which are kept for retention_ms.
  std::int64_t requests_retention_ms = std::int64_t{7} * 24 * 3600 * 1000;
  std::uint64_t max_request_rows = 1'000'000;
  std::int64_t retention_ms = std::int64_t{90} * 24 * 3600 * 1000;
};

class usage_store {
 public:
  // Opens or creates the database file (not its folder); the writer compacts it right after.
  // now_ms defaults to the wall clock. Throws std::runtime_error when the file cannot be opened or
  // has a newer schema.
  explicit usage_store(std::string path, std::function<std::int64_t()> now_ms = {}, usage_store_options options = {});
  ~usage_store();  // writes what is queued, then stops the writer
  usage_store(const usage_store&) = delete;
  usage_store& operator=(const usage_store&) = delete;

  // Queues one record; never blocks on the disk. Negative counters are stored as 0, long strings
  // are cut to 256 bytes (attempts and error to 1024).
  void record(usage_record r);
  // Returns once everything queued before the call is written (or counted as dropped).
  void flush();
  // {"from","to" (RFC 3339),"from_ms","to_ms","group_by","bucket","totals":{requests,
  // input_tokens, output_tokens, cached_tokens, errors (status >= 400), cut_short,
  // avg_duration_ms, avg_ttft_ms (null when unknown)},"groups":[{<group columns>, "bucket_start",
  // "bucket_start_ms" (with a bucket), the same counters}],"truncated"}. Groups (none without
  // group_by or bucket) by bucket, then requests descending, then the group columns; at most
  // max_groups. Reads what is written: call flush() first to include the queue. Throws
  // std::invalid_argument for an unknown column or bucket, std::runtime_error on a database error.
  std::string summary_json(const usage_query& q);
  // Records lost: queue full, or a failed write.
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // Deletes requests and hourly totals older than older_than_ms.
  void prune(std::int64_t older_than_ms);
  // Moves the requests past the request log's retention or over its row cap into the hourly
  // totals, and prunes the totals past the usage retention. The writer does it as it starts
  // (before the first batch), then hourly and after every twentieth of the row cap.
  void compact(std::int64_t now_ms);
  // New retentions (a configuration reload: requests_retention_ms, max_request_rows,
  // retention_ms of `o`; the rest is ignored), applied from the next compact().
  void set_retention(const usage_store_options& o);

  // Parses GET /api/usage's query string (without '?'): from, to (RFC 3339, unix seconds, "now"
  // or relative "-15m", "-24h", "-7d"; default: the last 24 h), group_by (comma-separated),
  // bucket, and exact-value filters key, route, backend, model, requested_model, endpoint, status.
  // Returns the error message for anything else.
  static std::variant<usage_query, std::string> parse_usage_query(std::string_view query_string, std::int64_t now_ms);

  // {"requests":[{"id","at" (RFC 3339),"at_ms","request_id","api","endpoint","key","model"
  // (asked),"target","route","backend","status","stream","complete","ttft_ms" (null: none),
  // "duration_ms","prompt_tokens","completion_tokens","cached_tokens","tokens_per_s" (null: not
  // measurable),"attempts","error"}],"next_before" (the before_id of the next page; null at the
  // end)}. One query: the rows are read by descending id, so a page costs the rows it skips, not
  // the table's size. Reads what is written: call flush() first to include the queue.
  std::string requests_json(const request_page_query& q);
  // Parses GET /api/requests' query string: before (a row id), limit, from, to (as for
  // /api/usage; default: everything), status (a code, "4xx", "5xx" or "error") and exact-value
  // filters key, route, backend, model, requested_model, endpoint. Else the error message.
  static std::variant<request_page_query, std::string> parse_request_page(std::string_view query_string,
                                                                          std::int64_t now_ms);
  // {"id","request","response"}: the bodies kept with request `id` (observability.
  // capture_bodies); nullopt when none were. Reads what is written: flush() first.
  std::optional<std::string> bodies_json(std::int64_t id);

  static constexpr std::size_t max_groups = 10'000;
  static constexpr std::size_t max_page_rows = 500;

 private:
  void writer_loop();
  void write_batch(std::vector<usage_record>& batch);
  void prune_locked(std::int64_t older_than_ms);
  void compact_locked(std::int64_t now_ms);

  std::string path_;
  std::function<std::int64_t()> now_ms_;
  usage_store_options options_;
  sqlite3* write_db_ = nullptr;  // the writer thread's (and prune's), under write_mu_
  // its inserts, prepared at the first batch and kept (a 32-row insert costs as much to prepare
  // as to run): 32 rows and 1 row
  std::unique_ptr<store::sqlite_statement> insert_group_, insert_one_;
  sqlite3* read_db_ = nullptr;  // summaries, under read_mu_
  std::mutex write_mu_, read_mu_;

  std::mutex mu_;  // the queue and the flush handshake
  std::condition_variable wake_, flushed_;
  std::vector<usage_record> queue_;
  std::uint64_t flush_requested_ = 0, flush_done_ = 0;
  bool stop_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::int64_t last_prune_ms_ = 0;        // writer thread only
  std::uint64_t rows_since_compact_ = 0;  // writer thread only
  std::atomic<std::int64_t> requests_retention_ms_, retention_ms_;
  std::atomic<std::uint64_t> max_request_rows_;
  std::thread writer_;
};

// "anonymous" for an empty key, else "key-" and the first 12 hex digits of its SHA-256.
std::string usage_key_id(std::string_view api_key);

}  // namespace sy
