#pragma once
// Sending one request to an upstream over a pooled connection and reading the response head.
// The body is read separately: whole (read_body) or relayed as it arrives (relay.h).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "core/duration.h"
#include "http/buffered_parse.h"
#include "http/reply.h"
#include "http/socket_deadlines.h"
#include "http/upstream_pool.h"

namespace sy::http {

namespace bhttp = boost::beast::http;

// Timeouts of one exchange; zero durations mean the pool's configuration.
struct exchange_timeouts {
  duration connect{};
  duration first_byte{};                                          // request sent -> response head
  duration idle{};                                                // between body reads
  std::optional<std::chrono::steady_clock::time_point> deadline;  // the whole exchange, body included
};

struct outbound_request {
  bhttp::verb method = bhttp::verb::get;
  std::string target;   // full path, including the base URL's prefix
  header_list headers;  // besides Host, Content-Length and Connection, which are set here
  std::string body;
  exchange_timeouts timeouts;
};

struct upstream_error {
  upstream_failure failure = upstream_failure::none;
  std::string detail;  // for people: what failed, never a secret
};

// A response whose head has been read; its body is still on the connection.
struct upstream_response {
  std::unique_ptr<upstream_connection> conn;
  std::unique_ptr<bhttp::response_parser<bhttp::empty_body>> parser;
  duration idle_timeout{};                                        // between body reads (resolved)
  std::optional<std::chrono::steady_clock::time_point> deadline;  // of the whole exchange

  // How long the next body read may take, and the failure when it times out.
  duration next_read_timeout() const;
  // `what` names the body in the message ("response", "stream").
  upstream_error read_timeout_error(std::string_view what = "response") const;

  unsigned status() const { return parser->get().result_int(); }
  const bhttp::fields& headers() const { return parser->get().base(); }
};

// Sends `req` and waits (first_byte_timeout) for the response head. A reused keep-alive
// connection that the upstream had already closed is replaced by a new one, once, when no byte
// of a response had arrived.
net::awaitable<std::variant<upstream_response, upstream_error>> open_upstream(upstream_pool& pool, const base_url& url,
                                                                              const outbound_request& req);

// Reads the whole body, up to `limit` bytes (read_idle_timeout between reads), and returns the
// connection to the pool when the exchange allows it. On failure sets *error and returns false.
net::awaitable<bool> read_body(upstream_pool& pool, const base_url& url, upstream_response& res, std::size_t limit,
                               std::string* body, upstream_error* error);

// Feeds `parser` (the body's parser of `res`) until `enough()`: from what the connection's buffer
// holds first, then from reads of the socket, each under the exchange's idle deadline. The end of
// the stream goes to the parser (put_eof), as Beast's reads do: it ends a body delimited by the
// connection's close, and cuts any other short. Returns beast::error::timeout when a read
// stalled, the read's or the parser's error otherwise (a body_buffer parser's need_buffer too).
template <class Parser, class Enough>
net::awaitable<beast::error_code> feed_parser(upstream_pool& pool, upstream_response& res, Parser& parser,
                                              Enough enough) {
  beast::error_code ec;
  auto& conn = *res.conn;
  while (!parse_buffered(parser, conn.buffer, enough, ec)) {
    socket_deadlines::guard idle_deadline(pool.deadlines(), conn.tcp().socket(), res.next_read_timeout());
    auto rec = co_await conn.read_some();
    if (idle_deadline.expired()) rec = beast::error::timeout;
    if (rec == net::error::eof) {
      if (parser.got_some())
        parser.put_eof(ec);
      else
        ec = bhttp::error::end_of_stream;
      break;
    }
    if (rec) {
      ec = rec;
      break;
    }
  }
  co_return ec;
}

// open_upstream + read_body, for small control requests (model lists).
struct fetched {
  unsigned status = 0;
  std::string body;
};
net::awaitable<std::variant<fetched, upstream_error>> fetch(upstream_pool& pool, const base_url& url,
                                                            const outbound_request& req, std::size_t limit);

}  // namespace sy::http
