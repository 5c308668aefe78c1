#pragma once
// Parsing what a connection's buffer already holds, without an asynchronous read.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace sy::http {

// Feeds what `buffer` holds to `parser` (a Beast HTTP parser, with its limits set) until
// `done()`. True when done, or when `ec`, a parse error, is set; false when the buffer ran out
// first — the caller then reads the rest. What was parsed is consumed from the buffer; a
// pipelined request after this one stays there. A request that one read brought whole (most
// are) is parsed here with no timer armed and no asynchronous operation, each of which would cost
// a trip through the worker's queue.
template <class Parser, class Done>
bool parse_buffered(Parser& parser, boost::beast::flat_buffer& buffer, Done done, boost::beast::error_code& ec) {
  while (!done()) {
    if (buffer.size() == 0) return false;
    auto used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec) return true;
    if (used == 0) return false;
  }
  return true;
}

}  // namespace sy::http
