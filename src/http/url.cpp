#include "http/url.h"

#include <boost/url/parse.hpp>

namespace sy::http {

std::optional<base_url> parse_base_url(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<base_url> {
    if (error) *error = why;
    return std::nullopt;
  };
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return fail("not an absolute URL");
  const auto& u = *parsed;
  base_url out;
  if (u.scheme() == "https")
    out.tls = true;
  else if (u.scheme() != "http")
    return fail("scheme must be http or https");
  if (u.has_userinfo()) return fail("credentials in the URL are not allowed; use api_key");
  if (u.has_query() || u.has_fragment()) return fail("a base URL has no query or fragment");
  out.host = u.encoded_host_address();
  if (out.host.starts_with('[') && out.host.ends_with(']')) out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) return fail("no host");
  out.port = u.has_port() ? std::string(u.port()) : (out.tls ? "443" : "80");
  out.path_prefix = u.encoded_path();
  while (out.path_prefix.ends_with('/')) out.path_prefix.pop_back();
  out.host_header = std::string(u.encoded_host_and_port());
  out.pool_key = (out.tls ? "https://" : "http://") + out.host + ":" + out.port;
  return out;
}

std::string query_param(std::string_view target, std::string_view name) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return {};
  auto params = url->params();
  auto it = params.find(name);
  return it == params.end() ? std::string() : std::string((*it).value);
}

}  // namespace sy::http
