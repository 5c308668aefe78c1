#include "cli/text_table.h"

#include <algorithm>

#include "core/untrusted_text.h"

namespace sy::cli {

void print_table(std::ostream& out, const table_rows& rows) {
  if (rows.empty()) return;
  // cells often come from outside (hub repo names, GGUF metadata, upstream model ids): what could
  // drive the terminal is shown escaped
  table_rows safe;
  safe.reserve(rows.size());
  for (const auto& r : rows) {
    auto& row = safe.emplace_back();
    row.reserve(r.size());
    for (const auto& cell : r) row.push_back(terminal_safe(cell));
  }
  std::vector<size_t> width(safe[0].size(), 0);
  for (const auto& r : safe)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : safe) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size() && i < width.size()) line += std::string(width[i] - r[i].size() + 3, ' ');
    }
    out << line << "\n";
  }
}

}  // namespace sy::cli
