#pragma once
// Internal to the usage ledger: what the parser of GET /api/usage's query string (usage_query.cpp)
// and the ledger's summaries (usage_store.cpp) share: the column whitelist, the buckets and time
// units, and small text helpers. Defined in usage_query.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace sy::usage_detail
