#include "http/request_framing.h"

#include <boost/beast/core/string.hpp>

namespace sy::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The last coding of a Transfer-Encoding list ("gzip, chunked" -> "chunked").
std::string_view final_coding(std::string_view te) {
  auto comma = te.rfind(',');
  return trim(comma == std::string_view::npos ? te : te.substr(comma + 1));
}

}  // namespace

std::optional<framing_refusal> check_framing(const head_fields& head, unsigned version) {
  if (head.host_count > 1) return framing_refusal{400, "the request carries more than one Host header"};
  if (head.host_count == 0 && version >= 11)
    return framing_refusal{400, "an HTTP/1.1 request must carry a Host header"};

  if (head.content_length_count > 1)
    return framing_refusal{400, "the request carries more than one Content-Length header"};

  if (head.transfer_encoding_count == 0) return std::nullopt;
  if (version < 11) return framing_refusal{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  if (head.transfer_encoding_count > 1)
    return framing_refusal{400, "the request carries more than one Transfer-Encoding header"};
  if (head.content_length_count > 0)
    return framing_refusal{400, "the request carries both Transfer-Encoding and Content-Length"};
  auto te = trim(head.transfer_encoding);
  if (boost::beast::iequals(te, "chunked")) return std::nullopt;
  if (boost::beast::iequals(final_coding(te), "chunked"))
    return framing_refusal{501, "transfer codings other than chunked are not supported"};
  return framing_refusal{400, "the request body's length is undeterminable: Transfer-Encoding must end with chunked"};
}

}  // namespace sy::http
