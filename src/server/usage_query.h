#pragma once
// Internal to the usage ledger: what the parsers of GET /api/usage's and GET /api/requests' query
// strings (usage_query.cpp, request_log.cpp) and the ledger's summaries (usage_store.cpp) share:
// the column whitelist, the buckets and time units, the query string and time readers, and small
// text helpers. Defined in usage_query.cpp.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

struct sqlite3;

namespace sy::usage_detail {

constexpr std::int64_t minute_ms = 60'000, hour_ms = 60 * minute_ms, day_ms = 24 * hour_ms;
constexpr std::int64_t max_time_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// A column a request may name (group_by, filters), with its SQL name.
struct column {
  std::string_view name, sql;
  bool integer;
};
// The column named `name` in the whitelist, or nullptr.
const column* find_column(std::string_view name);

// A bucket's length in ms: 0 for none (""), -1 for an unknown name.
std::int64_t bucket_ms(std::string_view bucket);

// RFC 3339, with milliseconds when there are any.
std::string format_time(std::int64_t ms);

// A non-negative decimal number of at most 18 digits.
std::optional<std::int64_t> to_int(std::string_view s);

// User text quoted in an error message: short.
std::string quoted(std::string_view s);

// The ledger's SQLite failures: throws std::runtime_error naming the file, what failed and
// SQLite's message (a store::sqlite_statement's fail function). Defined in usage_store.cpp.
[[noreturn]] void sqlite_fail(sqlite3* db, const std::string& path, std::string_view what);

// A time parameter `name` of a query: RFC 3339, unix seconds, "now" or relative ("-15m", "-24h",
// "-7d", "-2w"), as unix ms from 1970 to 9999; else the error message.
std::variant<std::int64_t, std::string> parse_time(std::string_view name, std::string_view v, std::int64_t now);

// A query string's parameters, percent-decoded ('+' is a space), each named at most once and
// accepted by `known` (`expected` lists the names in the error). At most 4 KiB, 32 parameters,
// values of 256 bytes; no control characters. Else the error message.
std::variant<std::map<std::string, std::string>, std::string> read_params(std::string_view query_string,
                                                                          bool (*known)(std::string_view),
                                                                          std::string_view expected);

}  // namespace sy::usage_detail
