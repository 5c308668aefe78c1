// The request log's pages (GET /api/requests) over the ledger's rows: the query string's parser
// and the page query (see usage_store.h).
#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/route_table.h"
#include "server/usage_query.h"
#include "server/usage_store.h"
#include "store/sqlite_statement.h"

namespace sy {
namespace {

namespace json = boost::json;
using namespace usage_detail;

constexpr std::string_view expected_params =
    "before, limit, from, to, status, or a filter: key, route, backend, model, requested_model, endpoint";

bool known_param(std::string_view name) {
  if (name == "before" || name == "limit" || name == "from" || name == "to" || name == "status") return true;
  auto* c = find_column(name);
  return c && !c->integer;
}

// status=429, status=4xx, status=error (any status from 400)
std::optional<std::pair<unsigned, unsigned>> status_range(std::string_view v) {
  if (v == "error") return std::pair{400u, 999u};
  if (v.size() == 3 && v[0] >= '1' && v[0] <= '5' && v.substr(1) == "xx") {
    unsigned base = unsigned(v[0] - '0') * 100;
    return std::pair{base, base + 99};
  }
  if (v.size() == 3 && to_int(v)) {
    auto code = unsigned(*to_int(v));
    return std::pair{code, code};
  }
  return std::nullopt;
}

json::value nullable_ms(std::int64_t us) {
  if (us < 0) return nullptr;
  return static_cast<double>(us) / 1000.0;
}

// Generated tokens per second: over the time after the first byte when a stream had one and
// produced more than one token (the first token's wait is TTFT's), else over the whole request.
json::value tokens_per_s(std::int64_t completion_tokens, std::int64_t duration_us, std::int64_t ttft_us, bool stream) {
  if (completion_tokens <= 0) return nullptr;
  if (stream && ttft_us >= 0 && completion_tokens > 1) {
    if (duration_us <= ttft_us) return nullptr;
    return static_cast<double>(completion_tokens - 1) * 1e6 / static_cast<double>(duration_us - ttft_us);
  }
  if (duration_us <= 0) return nullptr;
  return static_cast<double>(completion_tokens) * 1e6 / static_cast<double>(duration_us);
}

}  // namespace

std::variant<request_page_query, std::string> usage_store::parse_request_page(std::string_view query_string,
                                                                              std::int64_t now_ms) {
  auto read = read_params(query_string, known_param, expected_params);
  if (auto* err = std::get_if<std::string>(&read)) return std::move(*err);
  auto& params = std::get<std::map<std::string, std::string>>(read);

  request_page_query q;
  q.to_ms = max_time_ms + 1;
  for (auto& [name, value] : params) {
    if (name == "before") {
      auto id = to_int(value);
      if (!id || *id <= 0) return fmt::format("before: '{}' is not a row id (a positive number)", quoted(value));
      q.before_id = *id;
    } else if (name == "limit") {
      auto n = to_int(value);
      if (!n || *n < 1 || std::size_t(*n) > max_page_rows)
        return fmt::format("limit: '{}' is not a number from 1 to {}", quoted(value), max_page_rows);
      q.limit = std::size_t(*n);
    } else if (name == "from" || name == "to") {
      auto t = parse_time(name, value, now_ms);
      if (auto* err = std::get_if<std::string>(&t)) return std::move(*err);
      (name == "from" ? q.from_ms : q.to_ms) = std::get<std::int64_t>(t);
    } else if (name == "status") {
      auto range = status_range(value);
      if (!range)
        return fmt::format("status: '{}' is not a status (e.g. 429), a class (4xx, 5xx) or error", quoted(value));
      std::tie(q.status_min, q.status_max) = *range;
    } else {
      q.filters.emplace(name, value);
    }
  }
  if (q.from_ms > q.to_ms)
    return fmt::format("from ({}) is after to ({})", format_time(q.from_ms), format_time(q.to_ms));
  return q;
}

std::string usage_store::requests_json(const request_page_query& q) {
  // Column names come from the whitelist only; every value is a bound parameter. `+at_ms` keeps
  // SQLite from reading the range through the at_ms index and sorting what it found: the rows
  // are walked by descending id and the scan stops at the page's end.
  std::string where = "id < ?1 AND +at_ms >= ?2 AND +at_ms < ?3 AND status BETWEEN ?4 AND ?5";
  int param = 6;
  for (const auto& [name, value] : q.filters) {
    auto* c = find_column(name);
    if (!c || c->integer) throw std::invalid_argument("unknown request log filter '" + quoted(name) + "'");
    where += fmt::format(" AND {} = ?{}", c->sql, param++);
  }
  auto limit = std::clamp<std::size_t>(q.limit, 1, max_page_rows);
  auto sql = fmt::format(
      "SELECT id, at_ms, request_id, key_id, route, backend, model, requested_model, endpoint, status, input_tokens, "
      "output_tokens, cached_tokens, stream, complete, duration_us, ttft_us, attempts, error, "
      "EXISTS (SELECT 1 FROM request_bodies b WHERE b.id = usage.id) FROM usage WHERE {} "
      "ORDER BY id DESC LIMIT {}",
      where, limit + 1);

  json::array rows;
  std::int64_t next_before = 0;
  {
    std::lock_guard lock(read_mu_);
    store::sqlite_statement s(read_db_, path_, sql, &sqlite_fail);
    s.bind(1, q.before_id > 0 ? q.before_id : std::numeric_limits<std::int64_t>::max())
        .bind(2, q.from_ms)
        .bind(3, q.to_ms)
        .bind(4, std::int64_t{q.status_min})
        .bind(5, std::int64_t{q.status_max});
    int i = 6;
    for (const auto& [name, value] : q.filters) s.bind(i++, std::string_view(value));
    while (s.step()) {
      if (rows.size() == limit) {  // one more exists: the page ends at the last one shown
        next_before = rows.back().as_object().at("id").as_int64();
        break;
      }
      auto endpoint = s.text(8);
      auto completion = s.integer(11);
      auto duration_us = s.integer(15), ttft_us = s.integer(16);
      bool stream = s.integer(13) != 0;
      json::object o;
      o["id"] = s.integer(0);
      o["at"] = format_time(s.integer(1));
      o["at_ms"] = s.integer(1);
      o["request_id"] = s.text(2);
      o["api"] = client_api(endpoint);
      o["endpoint"] = endpoint;
      o["key"] = s.text(3);
      o["model"] = s.text(7);
      o["target"] = s.text(6);
      o["route"] = s.text(4);
      o["backend"] = s.text(5);
      o["status"] = s.integer(9);
      o["stream"] = stream;
      o["complete"] = s.integer(14) != 0;
      o["ttft_ms"] = nullable_ms(ttft_us);
      o["duration_ms"] = static_cast<double>(duration_us) / 1000.0;
      o["prompt_tokens"] = s.integer(10);
      o["completion_tokens"] = completion;
      o["cached_tokens"] = s.integer(12);
      o["tokens_per_s"] = tokens_per_s(completion, duration_us, ttft_us, stream);
      o["attempts"] = s.text(17);
      o["error"] = s.text(18);
      o["bodies"] = s.integer(19) != 0;  // kept by observability.capture_bodies: GET /api/requests/bodies?id=
      rows.push_back(std::move(o));
    }
  }
  json::object out;
  out["requests"] = std::move(rows);
  if (next_before > 0)
    out["next_before"] = next_before;
  else
    out["next_before"] = nullptr;
  return json::serialize(out);
}

}  // namespace sy
