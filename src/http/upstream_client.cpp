#include "http/upstream_client.h"

#include "http/buffered_parse.h"
#include "http/pch.h"
#include "http/socket_deadlines.h"
#include "http/write_all.h"

namespace sy::http {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

namespace {

upstream_failure classify_read_error(const beast::error_code& ec, bool before_head) {
  if (ec == beast::error::timeout)
    return before_head ? upstream_failure::first_byte_timeout : upstream_failure::read_timeout;
  if (ec == net::error::eof || ec == bhttp::error::end_of_stream || ec == net::error::connection_reset ||
      ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated || ec == bhttp::error::partial_message)
    return upstream_failure::reset;
  return upstream_failure::protocol;
}

std::string describe(upstream_failure f, const beast::error_code& ec, duration first_byte, duration idle) {
  switch (f) {
    case upstream_failure::first_byte_timeout: return "no response within " + format_duration(first_byte);
    case upstream_failure::read_timeout: return "response stalled for " + format_duration(idle);
    case upstream_failure::deadline: return "the request's total deadline passed";
    case upstream_failure::reset: return "connection closed before the response was complete";
    default: return "invalid HTTP response: " + ec.message();
  }
}

duration or_default(duration d, duration fallback) {
  return d > d.zero() ? d : fallback;
}

// The smaller of `timeout` and the time left to `deadline` (at least 1 ms).
duration capped(duration timeout, const std::optional<std::chrono::steady_clock::time_point>& deadline,
                bool* by_deadline = nullptr) {
  if (by_deadline) *by_deadline = false;
  if (!deadline) return timeout;
  auto left = std::max<duration>(std::chrono::ceil<duration>(*deadline - std::chrono::steady_clock::now()),
                                 std::chrono::milliseconds(1));
  if (left < timeout) {
    if (by_deadline) *by_deadline = true;
    return left;
  }
  return timeout;
}

}  // namespace

duration upstream_response::next_read_timeout() const {
  return capped(idle_timeout, deadline);
}

upstream_error upstream_response::read_timeout_error(std::string_view what) const {
  if (deadline && std::chrono::steady_clock::now() >= *deadline)
    return {upstream_failure::deadline, "the request's total deadline passed"};
  return {upstream_failure::read_timeout, std::string(what) + " stalled for " + format_duration(idle_timeout)};
}

net::awaitable<std::variant<upstream_response, upstream_error>> open_upstream(upstream_pool& pool, const base_url& url,
                                                                              const outbound_request& req) {
  // one buffer for the head, one for the body: a single gather write
  std::string head;
  head.reserve(512);
  auto method = bhttp::to_string(req.method);
  serialize_request_head(head, std::string_view(method.data(), method.size()), req.target, url.host_header, req.headers,
                         req.body.size());
  std::array<net::const_buffer, 2> wire{net::buffer(head), net::buffer(req.body)};

  const auto& cfg = pool.config();
  const auto& t = req.timeouts;
  const duration first_byte = or_default(t.first_byte, cfg.first_byte_timeout);
  const duration idle = or_default(t.idle, cfg.read_idle_timeout);
  for (int attempt = 0;; ++attempt) {
    auto conn = attempt == 0 ? pool.take_idle(url) : nullptr;
    bool reused = conn != nullptr;
    if (!conn) {
      upstream_error err;
      conn = co_await pool.connect(url, &err.failure, &err.detail,
                                   capped(or_default(t.connect, cfg.connect_timeout), t.deadline));
      if (!conn) co_return err;
    }
    bool by_deadline = false;
    auto head_timeout = capped(first_byte, t.deadline, &by_deadline);
    beast::error_code wec;
    if (conn->is_tls()) {
      conn->tcp().expires_after(head_timeout);
      auto [ec, wn] = co_await conn->visit([&](auto& s) { return net::async_write(s, wire, nothrow); });
      conn->tcp().expires_never();  // the reads have their own deadlines (pool.deadlines())
      wec = ec;
    } else {
      wec = co_await write_all(conn->tcp(), wire, head_timeout);
    }
    if (wec) {
      if (reused) continue;
      co_return upstream_error{upstream_failure::write, "cannot send the request: " + wec.message()};
    }
    auto parser = std::make_unique<bhttp::response_parser<bhttp::empty_body>>();
    parser->body_limit(boost::none);
    parser->header_limit(64 * 1024);
    beast::error_code rec;
    {
      socket_deadlines::guard first_byte_deadline(pool.deadlines(), conn->tcp().socket(), head_timeout);
      auto head_done = [&] { return parser->is_header_done(); };
      while (!parse_buffered(*parser, conn->buffer, head_done, rec)) {
        rec = co_await conn->read_some();
        if (first_byte_deadline.expired()) rec = beast::error::timeout;
        if (rec) break;
      }
    }
    if (rec) {
      auto failure = classify_read_error(rec, true);
      // a pooled connection the upstream closed while idle: try once on a new one
      if (reused && failure == upstream_failure::reset && !parser->got_some()) continue;
      if (failure == upstream_failure::first_byte_timeout && by_deadline) failure = upstream_failure::deadline;
      co_return upstream_error{failure, describe(failure, rec, first_byte, idle)};
    }
    upstream_response res;
    res.conn = std::move(conn);
    res.parser = std::move(parser);
    res.idle_timeout = idle;
    res.deadline = t.deadline;
    co_return res;
  }
}

net::awaitable<bool> read_body(upstream_pool& pool, const base_url& url, upstream_response& res, std::size_t limit,
                               std::string* body, upstream_error* error) {
  bhttp::response_parser<bhttp::string_body> parser{std::move(*res.parser)};
  parser.body_limit(limit);
  // (A body that came with the head, as a small answer does, is parsed from the buffer: no
  // asynchronous read.)
  auto ec = co_await feed_parser(pool, res, parser, [&] { return parser.is_done(); });
  if (ec) {
    if (ec == bhttp::error::body_limit) {
      *error = {upstream_failure::protocol, "response body larger than " + std::to_string(limit) + " bytes"};
    } else if (ec == beast::error::timeout) {
      *error = res.read_timeout_error();
    } else {
      auto failure = classify_read_error(ec, false);
      *error = {failure, describe(failure, ec, res.idle_timeout, res.idle_timeout)};
    }
    res.conn.reset();
    co_return false;
  }
  bool keep = parser.get().keep_alive();
  *body = std::move(parser.get().body());
  if (keep) {
    ++res.conn->requests;
    pool.give_back(url, std::move(res.conn));
  } else {
    res.conn.reset();
  }
  co_return true;
}

net::awaitable<std::variant<fetched, upstream_error>> fetch(upstream_pool& pool, const base_url& url,
                                                            const outbound_request& req, std::size_t limit) {
  auto opened = co_await open_upstream(pool, url, req);
  if (auto* err = std::get_if<upstream_error>(&opened)) co_return *err;
  auto& res = std::get<upstream_response>(opened);
  fetched out;
  out.status = res.status();
  upstream_error err;
  if (!co_await read_body(pool, url, res, limit, &out.body, &err)) co_return err;
  co_return out;
}

}  // namespace sy::http
