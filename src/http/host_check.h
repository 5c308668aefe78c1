#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sy::http {

// Guards loopback listeners against DNS rebinding: a browser tricked into sending a request to
// 127.0.0.1 still carries the attacker's Host header. Accepted: localhost, 127.x.y.z, [::1]
// (any port) and the configured extra names. Listeners on other addresses accept any Host
// (they are protected by API keys instead).
// The host of an authority ("Host" header value or an origin's "host:port"), lowercased and
// without its port: "[::1]:8321" -> "[::1]", "LocalHost:8321" -> "localhost"; "" if malformed.
std::string host_of_authority(std::string_view authority);

class host_check {
 public:
  host_check(bool listener_is_loopback, std::vector<std::string> extra_allowed);
  bool allows(std::string_view host_header) const;

 private:
  bool enforce_;
  std::vector<std::string> extra_;
};

}  // namespace sy::http
