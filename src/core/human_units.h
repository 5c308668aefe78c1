#pragma once
// Sizes and counts for people: "1.50 GiB", "494.03 M". One spelling across the CLI, logs and
// error messages.
#include <cstdint>
#include <string>

namespace sy {

std::string human_bytes(std::uint64_t bytes);  // binary units: "512 B", "1.50 GiB"
std::string human_count(std::uint64_t n);      // decimal units: "494.03 M", "7.24 B"

}  // namespace sy
