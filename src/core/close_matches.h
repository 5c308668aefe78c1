#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sy {

// Up to `limit` candidates that look like a mistyped `wanted`: case-insensitive edit distance
// within a third of the length (at least 2), or one containing the other. Closest first.
std::vector<std::string> close_matches(std::string_view wanted, const std::vector<std::string>& candidates,
                                       std::size_t limit = 3);

// Case-insensitive Levenshtein distance, capped: returns cap+1 once it is known to exceed cap.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap);

}  // namespace sy
