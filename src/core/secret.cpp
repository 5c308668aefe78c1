#include "core/secret.h"

#include <algorithm>

namespace sy {

std::string mask_secret(std::string_view secret) {
  if (secret.empty()) return "";
  if (secret.size() < 16) return "********";
  return "********" + std::string(secret.substr(secret.size() - 4));
}

namespace {

// [begin, end) of the userinfo and its '@' in a URL, or {npos, npos}.
std::pair<std::size_t, std::size_t> credentials_span(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {std::string_view::npos, std::string_view::npos};
  auto begin = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", begin);
  auto authority = url.substr(begin, authority_end == std::string_view::npos ? url.npos : authority_end - begin);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return {std::string_view::npos, std::string_view::npos};
  return {begin, begin + at + 1};
}

}  // namespace

std::string without_url_credentials(std::string_view url) {
  auto [begin, end] = credentials_span(url);
  if (begin == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, begin)) + "***@" + std::string(url.substr(end));
}

bool has_url_credentials(std::string_view url) {
  return credentials_span(url).first != std::string_view::npos;
}

secret_scrubber::secret_scrubber(std::vector<std::string> secrets) {
  for (auto& s : secrets)
    if (s.size() >= 8 && std::find(secrets_.begin(), secrets_.end(), s) == secrets_.end())
      secrets_.push_back(std::move(s));
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string secret_scrubber::scrub(std::string text) const {
  for (const auto& secret : secrets_) {
    auto at = text.find(secret);
    if (at == std::string::npos) continue;
    auto mask = mask_secret(secret);
    for (; at != std::string::npos; at = text.find(secret, at + mask.size())) text.replace(at, secret.size(), mask);
  }
  return text;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

}  // namespace sy
