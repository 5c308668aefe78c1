#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sy::http {

// An upstream base URL, split once at startup: "https://api.openai.com/v1" ->
// {tls, "api.openai.com", "443", "/v1"}. Only http and https; no userinfo, query or fragment.
struct base_url {
  bool tls = false;
  std::string host;         // without brackets for IPv6
  std::string port;         // always set ("80"/"443" by default)
  std::string path_prefix;  // no trailing '/', may be empty
  std::string host_header;  // what goes in Host: (port omitted when default)
  // identifies a connection pool: "scheme://host:port" (built once: the pool looks it up per request)
  std::string pool_key;
};

// Returns nullopt and sets *error for anything that is not a plain http(s) base URL.
std::optional<base_url> parse_base_url(std::string_view text, std::string* error = nullptr);

// The decoded value of query parameter `name` in a request target ("/path?a=1&b=x"); "" when
// it is absent or the target does not parse.
std::string query_param(std::string_view target, std::string_view name);

}  // namespace sy::http
