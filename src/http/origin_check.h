#pragma once
// Guards against web pages driving the gateway: a page on any site can make a browser send
// "simple" cross-site requests (a POST with a text/plain body, an <img> GET) to 127.0.0.1. Such
// requests carry the page's Origin (or at least `Sec-Fetch-Site: cross-site`); clients that are
// not browsers (SDKs, curl) send neither and are never affected.
//
// Allowed: no Origin and not cross-site; an Origin whose host is loopback (localhost, 127.x,
// [::1], any scheme and port); the same origin as the request's Host; and the configured
// `server.allowed_origins` (exact, case-insensitive, with `*` matching any run of characters:
// "https://*.example.com", "chrome-extension://*", or "*" for any).
#include <string>
#include <string_view>
#include <vector>

namespace sy::http {

class origin_check {
 public:
  explicit origin_check(std::vector<std::string> allowed_origins);
  // `origin`, `sec_fetch_site` and `host` are the request's header values ("" when absent).
  bool allows(std::string_view origin, std::string_view sec_fetch_site, std::string_view host) const;

 private:
  std::vector<std::string> allowed_;  // lowercased patterns
  bool any_ = false;                  // "*" is one of them
};

}  // namespace sy::http
