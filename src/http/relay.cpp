#include "http/relay.h"

#include "http/ndjson_aligner.h"
#include "http/pch.h"
#include "http/sse_aligner.h"
#include "http/write_all.h"

namespace sy::http {

void copy_passthrough_headers(const bhttp::fields& from, header_list& to) {
  for (const auto& f : from) {
    auto name = f.name_string();
    if (f.name() == bhttp::field::content_type || f.name() == bhttp::field::retry_after ||
        f.name() == bhttp::field::cache_control ||
        beast::iequals(name.substr(0, std::min<size_t>(name.size(), 12)), "x-ratelimit-") ||
        beast::iequals(name.substr(0, std::min<size_t>(name.size(), 7)), "openai-"))
      to.emplace_back(name, f.value());
  }
}

net::awaitable<relay_result> relay_stream(exchange& ex, const reply& head, upstream_pool& pool, const base_url& url,
                                          upstream_response& up, body_framing framing,
                                          const sse_error_formatter& on_error, const body_observer& observe,
                                          const body_rewriter* rewrite, const stream_end_check& cut_short) {
  relay_result result;
  bhttp::response_parser<bhttp::buffer_body> parser{std::move(*up.parser)};
  parser.body_limit(boost::none);

  std::string head_bytes;
  head_bytes.reserve(256);
  serialize_response_head(head_bytes, head.status, head.headers, std::nullopt, ex.keep_alive);
  ex.answered = true;
  if (co_await write_all(ex.stream, net::buffer(head_bytes), ex.write_timeout)) {
    result.client_gone = true;
    ex.keep_alive = false;
    co_return result;
  }

  constexpr std::size_t buffer_size = 64 * 1024;
  sse_aligner events;    // sse: only whole events go out
  ndjson_aligner lines;  // ndjson: only whole lines go out
  std::vector<char> buf(buffer_size);

  // the client's bytes, as they are
  auto write_chunk = [&](net::const_buffer data) -> net::awaitable<bool> {
    if (data.size() == 0) co_return true;
    if (result.body_bytes == 0) result.first_byte = std::chrono::steady_clock::now();
    char size_line[24];
    int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    std::array<net::const_buffer, 3> chunk{net::buffer(size_line, static_cast<std::size_t>(len)), data,
                                           net::buffer("\r\n", 2)};
    if (co_await write_all(ex.stream, chunk, ex.write_timeout)) co_return false;
    capture_sent(ex, std::string_view(static_cast<const char*>(data.data()), data.size()));
    result.body_bytes += data.size();
    co_return true;
  };
  // the upstream's bytes: observed, then rewritten into the client's API when asked
  std::string rewritten;
  auto forward = [&](std::string_view piece) -> net::awaitable<bool> {
    if (piece.empty()) co_return true;
    if (observe) observe(piece);
    if (rewrite && rewrite->piece) {
      rewritten = rewrite->piece(piece);
      piece = rewritten;
    }
    co_return co_await write_chunk(net::buffer(piece));
  };

  // one step: what the connection's buffer holds, else a read; done when some body came (or all)
  auto some_body = [&] { return parser.is_done() || parser.get().body().size < buf.size(); };
  while (!parser.is_done()) {
    parser.get().body().data = buf.data();
    parser.get().body().size = buf.size();
    auto ec = co_await feed_parser(pool, up, parser, some_body);
    if (ec == bhttp::error::need_buffer) ec = {};
    std::size_t got = buf.size() - parser.get().body().size;
    if (ec) {
      if (ec == beast::error::timeout) {
        result.error = up.read_timeout_error("stream");
      } else {
        result.error = {upstream_failure::reset, "connection lost mid-response (" + ec.message() + ")"};
      }
      break;
    }
    if (got == 0) continue;
    std::string_view piece(buf.data(), got);
    if (framing == body_framing::sse) {
      piece = events.push(piece);
    } else if (framing == body_framing::ndjson) {
      auto whole = lines.push(piece);
      if (!whole) {
        result.error = {upstream_failure::protocol,
                        "a stream line is longer than " + std::to_string(lines.max_line()) + " bytes"};
        break;
      }
      piece = *whole;
    }
    bool ok = co_await forward(piece);
    if (!ok) {
      result.client_gone = true;
      ex.keep_alive = false;
      co_return result;  // the upstream connection is dropped with `up`
    }
  }

  if (result.error.failure == upstream_failure::none) {
    // clean end: anything left is a final event without its blank line (a line without its '\n')
    auto last = framing == body_framing::ndjson ? lines.flush() : events.flush();
    bool ok = co_await forward(last);
    if (!ok) {
      result.client_gone = true;
      ex.keep_alive = false;
      co_return result;
    }
    // the body ended; did the stream? (a framed body only: a raw one has no events to end it)
    if (framing != body_framing::raw && cut_short)
      if (auto why = cut_short(); !why.empty()) result.error = {upstream_failure::protocol, std::move(why)};
  }

  if (result.error.failure == upstream_failure::none) {
    bool ok = true;
    if (rewrite && rewrite->end) {
      auto end = rewrite->end();
      ok = co_await write_chunk(net::buffer(end));
    }
    if (!ok) {
      result.client_gone = true;
      ex.keep_alive = false;
      co_return result;
    }
    result.complete = true;
    if (parser.get().keep_alive()) {
      ++up.conn->requests;
      pool.give_back(url, std::move(up.conn));
    }
  } else {
    up.conn.reset();
    if (framing == body_framing::raw || !on_error) {
      // nothing in the body can say it failed: the client must see it torn, so close instead
      // of sending the last chunk (which would be a fabricated end)
      ex.keep_alive = false;
      co_return result;
    }
    auto event = on_error(result.error.detail);
    if (!co_await write_chunk(net::buffer(event))) {
      result.client_gone = true;
      ex.keep_alive = false;
      co_return result;
    }
    // the message ends properly, with the error event: the client's connection stays usable.
    // (Closing it after a head that promised keep-alive made clients reuse a dead connection:
    // their next request failed with "socket hang up".)
  }
  if (co_await write_all(ex.stream, net::buffer("0\r\n\r\n", 5), ex.write_timeout)) {
    result.client_gone = true;
    ex.keep_alive = false;
  }
  ex.stream.expires_never();
  co_return result;
}

}  // namespace sy::http
