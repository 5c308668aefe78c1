#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sy {

using duration = std::chrono::milliseconds;

// Parses "250ms", "10s", "5m", "1h", "7d" or a bare number of seconds ("30"). Returns nullopt for
// anything else, negative values, or values past ~100 years (overflow-safe).
std::optional<duration> parse_duration(std::string_view text);

// The shortest exact spelling: 1500ms -> "1500ms", 60000ms -> "1m".
std::string format_duration(duration d);

}  // namespace sy
