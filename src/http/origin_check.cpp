#include "http/origin_check.h"

#include <algorithm>
#include <cctype>

#include <boost/beast/core/string.hpp>

#include "core/config.h"
#include "http/host_check.h"

namespace sy::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Glob match where '*' matches any run of characters (iterative, no backtracking blow-up).
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p, ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// "http://host:port" -> "host:port"; "" when the origin has no authority ("null", "file://").
std::string_view authority_of(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  auto rest = origin.substr(sep + 3);
  if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
  return rest;
}

}  // namespace

origin_check::origin_check(std::vector<std::string> allowed_origins) {
  for (const auto& o : allowed_origins) {
    auto pattern = lower(o);
    while (pattern.size() > 1 && pattern.back() == '/') pattern.pop_back();  // "http://x/" == "http://x"
    if (pattern == "*") any_ = true;
    allowed_.push_back(std::move(pattern));
  }
}

bool origin_check::allows(std::string_view origin, std::string_view sec_fetch_site, std::string_view host) const {
  if (origin.empty()) return any_ || !boost::beast::iequals(sec_fetch_site, "cross-site");
  auto o = lower(origin);
  for (const auto& pattern : allowed_)
    if (glob_match(pattern, o)) return true;
  auto authority = authority_of(o);
  if (authority.empty()) return false;  // "null" (sandboxed frames, file: pages) unless configured
  auto origin_host = host_of_authority(authority);
  if (!origin_host.empty() && is_loopback_host(origin_host)) return true;
  return !host.empty() && boost::beast::iequals(authority, host);  // same origin as the Host it addressed
}

}  // namespace sy::http
