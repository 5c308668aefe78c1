// GET /api/usage's query string -> a usage_query: parameters, times (RFC 3339, unix seconds, now,
// relative), group_by, bucket and filters (see usage_store.h).
#include "server/usage_query.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

#include "core/rfc3339.h"
#include "server/usage_store.h"

namespace sy {
namespace {

using namespace usage_detail;

constexpr std::int64_t max_range_ms = 400 * day_ms;
constexpr std::size_t max_query_bytes = 4096, max_params = 32, max_value_bytes = 256;

// The only column names that ever reach SQL text: a request's names are looked up here.
constexpr std::array<column, 7> columns = {{{"key", "key_id", false},
                                            {"route", "route", false},
                                            {"backend", "backend", false},
                                            {"model", "model", false},
                                            {"requested_model", "requested_model", false},
                                            {"endpoint", "endpoint", false},
                                            {"status", "status", true}}};
constexpr std::string_view column_list = "key, route, backend, model, requested_model, endpoint, status";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- times ----------------------------------------------------------------------------------

// RFC 3339 ("2026-11-26T10:00:00Z", "...T10:00:00.250+01:00", or a date "2026-11-26" for its UTC
// midnight), in milliseconds; none before 1970. A ' ' is taken for the offset's '+' (an unencoded
// '+' in a URL query decodes to one).
std::optional<std::int64_t> parse_query_time(std::string_view s) {
  std::string text(s);
  if (text.size() == 10)
    text += "T00:00:00Z";
  else if (text.size() > 19 && text[text.size() - 6] == ' ')
    text[text.size() - 6] = '+';
  auto ns = parse_rfc3339(text);
  if (!ns || *ns < 0) return std::nullopt;
  return *ns / 1'000'000;
}

// ---- query strings --------------------------------------------------------------------------

// One name or value of a query string, percent-decoded by Boost.URL ('+' is a space, as in HTML
// forms); nullopt when an escape is malformed ("%zz", a '%' less than two characters before the end)
// or when the decoded text holds a control character. Other raw characters pass, as they always have.
std::optional<std::string> decode_query_part(std::string_view s) {
  auto encoded = boost::urls::make_pct_string_view(s);
  if (!encoded) return std::nullopt;
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  std::string out = encoded->decode(opt);
  auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (std::any_of(out.begin(), out.end(), control)) return std::nullopt;
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

// ---- shared with the ledger (usage_query.h) -------------------------------------------------

namespace usage_detail {

const column* find_column(std::string_view name) {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::int64_t bucket_ms(std::string_view bucket) {
  if (bucket.empty()) return 0;
  if (bucket == "minute") return minute_ms;
  if (bucket == "hour") return hour_ms;
  if (bucket == "day") return day_ms;
  return -1;
}

std::string format_time(std::int64_t ms) {
  return format_rfc3339(ms * 1'000'000, ms % 1000 ? rfc3339_fraction::millis : rfc3339_fraction::none);
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  if (!all_digits(s) || s.size() > 18) return std::nullopt;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// User text quoted in an error message: short.
std::string quoted(std::string_view s) {
  return s.size() <= 64 ? std::string(s) : std::string(s.substr(0, 64)) + "...";
}

std::variant<std::int64_t, std::string> parse_time(std::string_view name, std::string_view v, std::int64_t now) {
  std::optional<std::int64_t> t;
  if (v == "now") {
    t = now;
  } else if (v.size() >= 3 && v[0] == '-' && v.size() <= 11 && all_digits(v.substr(1, v.size() - 2))) {
    std::int64_t unit = 0;
    switch (v.back()) {
      case 's': unit = 1000; break;
      case 'm': unit = minute_ms; break;
      case 'h': unit = hour_ms; break;
      case 'd': unit = day_ms; break;
      case 'w': unit = 7 * day_ms; break;
      default: break;
    }
    if (unit) t = now - *to_int(v.substr(1, v.size() - 2)) * unit;  // at most 999999999 weeks: no overflow
  } else if (all_digits(v)) {
    if (v.size() <= 12) t = *to_int(v) * 1000;
  } else {
    t = parse_query_time(v);
  }
  if (!t)
    return fmt::format(
        "{}: '{}' is not a time (use RFC 3339 like 2026-11-26T00:00:00Z, unix seconds, now, or "
        "relative -15m, -24h, -7d)",
        name, v);
  if (*t < 0 || *t > max_time_ms) return fmt::format("{}: '{}' is out of range (1970 to 9999)", name, v);
  return *t;
}

std::variant<std::map<std::string, std::string>, std::string> read_params(std::string_view query_string,
                                                                          bool (*known)(std::string_view),
                                                                          std::string_view expected) {
  if (query_string.size() > max_query_bytes)
    return fmt::format("the query string is longer than {} bytes", max_query_bytes);
  auto pieces = split(query_string, '&');
  std::erase_if(pieces, [](std::string_view p) { return p.empty(); });
  if (pieces.size() > max_params) return fmt::format("more than {} parameters", max_params);
  std::map<std::string, std::string> params;
  for (auto piece : pieces) {
    auto eq = piece.find('=');
    auto name = decode_query_part(piece.substr(0, eq));
    auto value = decode_query_part(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
    if (!name || !value) return fmt::format("bad percent-encoding or a control character in '{}'", quoted(piece));
    if (value->size() > max_value_bytes)
      return fmt::format("{}: the value is longer than {} bytes", quoted(*name), max_value_bytes);
    if (!known(*name)) return fmt::format("unknown parameter '{}' (expected {})", quoted(*name), expected);
    if (!params.emplace(*name, *value).second) return fmt::format("{} is given twice", *name);
  }

  return params;
}

}  // namespace usage_detail

// ---- parse_usage_query ----------------------------------------------------------------------

std::variant<usage_query, std::string> usage_store::parse_usage_query(std::string_view query_string,
                                                                      std::int64_t now_ms) {
  static constexpr auto known = [](std::string_view name) {
    return name == "from" || name == "to" || name == "group_by" || name == "bucket" || find_column(name) != nullptr;
  };
  auto read = read_params(query_string, known, fmt::format("from, to, group_by, bucket, or a filter: {}", column_list));
  if (auto* err = std::get_if<std::string>(&read)) return std::move(*err);
  auto& params = std::get<std::map<std::string, std::string>>(read);

  usage_query q;
  q.to_ms = now_ms;
  if (auto it = params.find("to"); it != params.end()) {
    auto t = parse_time("to", it->second, now_ms);
    if (auto* err = std::get_if<std::string>(&t)) return std::move(*err);
    q.to_ms = std::get<std::int64_t>(t);
  }
  q.from_ms = std::max<std::int64_t>(q.to_ms - day_ms, 0);
  if (auto it = params.find("from"); it != params.end()) {
    auto t = parse_time("from", it->second, now_ms);
    if (auto* err = std::get_if<std::string>(&t)) return std::move(*err);
    q.from_ms = std::get<std::int64_t>(t);
  }
  if (q.from_ms > q.to_ms)
    return fmt::format("from ({}) is after to ({})", format_time(q.from_ms), format_time(q.to_ms));
  if (q.to_ms - q.from_ms > max_range_ms) return "the range is longer than 400 days";

  if (auto it = params.find("group_by"); it != params.end() && !it->second.empty()) {
    for (auto g : split(it->second, ',')) {
      auto* c = find_column(g);
      if (!c) return fmt::format("unknown group_by '{}' (expected any of {})", quoted(g), column_list);
      if (std::find(q.group_by.begin(), q.group_by.end(), g) != q.group_by.end())
        return fmt::format("group_by names {} twice", g);
      q.group_by.emplace_back(g);
    }
  }
  if (auto it = params.find("bucket"); it != params.end()) {
    if (bucket_ms(it->second) < 0)
      return fmt::format("unknown bucket '{}' (expected minute, hour or day)", quoted(it->second));
    q.bucket = it->second;
  }
  for (auto& [name, value] : params) {
    auto* c = find_column(name);
    if (!c) continue;
    if (c->integer && (!to_int(value) || value.size() > 3)) return fmt::format("{} must be a number", name);
    q.filters.emplace(name, value);
  }
  return q;
}

}  // namespace sy
