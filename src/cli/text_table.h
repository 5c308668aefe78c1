#pragma once
// Aligned columns for CLI listings (ls, search): the first row is the header.
#include <ostream>
#include <string>
#include <vector>

namespace sy::cli {

using table_rows = std::vector<std::vector<std::string>>;

// Each column as wide as its widest cell, three spaces apart; no trailing spaces.
void print_table(std::ostream& out, const table_rows& rows);

}  // namespace sy::cli
