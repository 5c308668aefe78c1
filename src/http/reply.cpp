#include "http/reply.h"

#include <cstring>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

namespace sy::http {

namespace {

// Free of CR and LF (a field that is not would split the head: it is left out).
bool clean(std::string_view s) {
  return !std::memchr(s.data(), '\r', s.size()) && !std::memchr(s.data(), '\n', s.size());
}

void append_fields(std::string& out, const header_list& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty() || !clean(name) || !clean(value)) continue;
    out.append(name).append(": ", 2).append(value).append("\r\n", 2);
  }
}

}  // namespace

void reply::set(std::string_view name, std::string_view value) {
  for (auto& [n, v] : headers)
    if (boost::beast::iequals(n, name)) {
      v = value;
      return;
    }
  headers.emplace_back(name, value);
}

std::string_view reply::get(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (boost::beast::iequals(n, name)) return v;
  return {};
}

void serialize_response_head(std::string& out, unsigned status, const header_list& headers,
                             std::optional<std::size_t> content_length, bool keep_alive) {
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append("HTTP/1.1 ")
      .append(std::to_string(status))
      .append(" ")
      .append(reason.data(), reason.size())
      .append("\r\n");
  append_fields(out, headers);
  if (content_length)
    out.append("Content-Length: ").append(std::to_string(*content_length)).append("\r\n");
  else
    out.append("Transfer-Encoding: chunked\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
}

void serialize_request_head(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                            const header_list& headers, std::size_t content_length) {
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  append_fields(out, headers);
  out.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n\r\n");
}

}  // namespace sy::http
