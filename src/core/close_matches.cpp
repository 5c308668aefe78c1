#include "core/close_matches.h"

#include <algorithm>
#include <cctype>

namespace sy {

namespace {
char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return lower(a) == lower(b); }) != hay.end();
}
}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > cap) return cap + 1;
  std::vector<std::size_t> row(a.size() + 1);
  for (std::size_t i = 0; i <= a.size(); ++i) row[i] = i;
  for (std::size_t j = 1; j <= b.size(); ++j) {
    std::size_t diag = row[0];
    row[0] = j;
    std::size_t best = row[0];
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t up = row[i];
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      row[i] = std::min({row[i] + 1, row[i - 1] + 1, diag + cost});
      diag = up;
      best = std::min(best, row[i]);
    }
    if (best > cap) return cap + 1;
  }
  return std::min(row[a.size()], cap + 1);
}

std::vector<std::string> close_matches(std::string_view wanted, const std::vector<std::string>& candidates,
                                       std::size_t limit) {
  if (wanted.empty()) return {};
  std::size_t cap = std::max<std::size_t>(2, wanted.size() / 3);
  std::vector<std::pair<std::size_t, const std::string*>> scored;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(wanted, c, cap);
    if (d > cap) {
      // "gpt-4o" for "openai/gpt-4o-mini": containment is a strong hint too
      if (wanted.size() >= 3 && (icontains(c, wanted) || icontains(wanted, c)))
        d = cap;
      else
        continue;
    }
    scored.emplace_back(d, &c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (out.size() >= limit) break;
    if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
  }
  return out;
}

}  // namespace sy
