#pragma once
// RFC 3339 times, the one reader and writer of the project (Ollama's wire, the usage API's
// query, the access log, Anthropic's model list). Times are Unix nanoseconds (int64: years
// 1678..2262), UTC on output.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sy {

enum class rfc3339_fraction {
  none,           // "2026-11-26T10:00:00Z" (the fraction is dropped, not rounded)
  millis,         // "2026-11-26T10:00:00.250Z" (always three digits: log lines line up)
  nanos_trimmed,  // "2026-11-26T10:00:00.25Z", "...:00.0Z" (Go's RFC3339Nano as Ollama writes it)
};

std::string format_rfc3339(std::int64_t unix_ns, rfc3339_fraction fraction = rfc3339_fraction::nanos_trimmed);

// Reads "2026-11-26T10:00:00Z", "...t10:00:00.123456789+01:00" ('T', 't' or ' ' between date and
// time; 'Z', 'z' or ±hh:mm required; digits of a fraction past nine are read and dropped).
// nullopt for anything else, impossible dates (2026-02-30) and times outside the int64 range.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace sy
