#pragma once
// A response as the gateway builds it, and its wire form. The head is formatted straight into
// one buffer (status line, fields, framing) so a small response goes out in a single write.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct reply {
  unsigned status = 200;
  header_list headers;  // never Content-Length, Transfer-Encoding or Connection: framing is added on writing
  std::string body;

  // Replaces a field of the same name (case-insensitive) or adds it.
  void set(std::string_view name, std::string_view value);
  std::string_view get(std::string_view name) const;
};

// Appends "HTTP/1.1 <status> <reason>\r\n<fields>\r\n<framing>\r\n\r\n" to `out`. Framing is
// Content-Length when `content_length` is set, else chunked. Field names and values must not
// contain CR or LF (fields are dropped if they do).
void serialize_response_head(std::string& out, unsigned status, const header_list& headers,
                             std::optional<std::size_t> content_length, bool keep_alive);

// The request line and fields of an outbound request, with Content-Length.
void serialize_request_head(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                            const header_list& headers, std::size_t content_length);

}  // namespace sy::http
