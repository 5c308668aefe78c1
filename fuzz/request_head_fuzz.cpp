// The inbound request head as the server reads it (http/server.cpp): Beast's parser with the
// server's header limit, then the one-pass read of the fields the server and the gateway act on
// (http/head_fields.cpp) and the framing check (http/request_framing.cpp), on any bytes. Never
// crashes, and every field read in one pass is the value Beast's own lookup gives.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/head_fields.h"
#include "http/request_framing.h"

namespace bhttp = boost::beast::http;

namespace {

void same_or_abort(std::string_view one_pass, boost::beast::string_view lookup) {
  if (one_pass != std::string_view(lookup.data(), lookup.size())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done()) return 0;
  const auto& req = parser.get();
  auto h = sy::http::scan_head_fields(req);
  same_or_abort(h.host, req[bhttp::field::host]);
  same_or_abort(h.origin, req[bhttp::field::origin]);
  same_or_abort(h.sec_fetch_site, req["sec-fetch-site"]);
  same_or_abort(h.expect, req[bhttp::field::expect]);
  same_or_abort(h.request_id, req["x-request-id"]);
  same_or_abort(h.authorization, req[bhttp::field::authorization]);
  same_or_abort(h.api_key, req["x-api-key"]);
  same_or_abort(h.content_type, req[bhttp::field::content_type]);
  same_or_abort(h.accept, req[bhttp::field::accept]);
  same_or_abort(h.session_id, req["x-session-id"]);
  same_or_abort(h.anthropic_version, req["anthropic-version"]);
  same_or_abort(h.transfer_encoding, req[bhttp::field::transfer_encoding]);
  if (h.host_count != req.count(bhttp::field::host) ||
      h.content_length_count != req.count(bhttp::field::content_length) ||
      h.transfer_encoding_count != req.count(bhttp::field::transfer_encoding))
    std::abort();
  auto refused = sy::http::check_framing(h, req.version());
  if (refused && refused->status != 400 && refused->status != 501) std::abort();
  return 0;
}
