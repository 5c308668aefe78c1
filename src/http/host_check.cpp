#include "http/host_check.h"

#include <algorithm>
#include <cctype>

#include "core/config.h"

namespace sy::http {

host_check::host_check(bool listener_is_loopback, std::vector<std::string> extra_allowed)
    : enforce_(listener_is_loopback), extra_(std::move(extra_allowed)) {
  for (auto& e : extra_) std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
}

std::string host_of_authority(std::string_view authority) {
  std::string host(authority);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (host.starts_with('[')) {
    auto close = host.find(']');
    if (close == std::string::npos) return "";
    host = host.substr(0, close + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host;
}

bool host_check::allows(std::string_view host_header) const {
  if (!enforce_) return true;
  auto host = host_of_authority(host_header);
  if (host.empty()) return false;
  if (is_loopback_host(host)) return true;
  return std::find(extra_.begin(), extra_.end(), host) != extra_.end();
}

}  // namespace sy::http
