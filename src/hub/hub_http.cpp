#include "hub/hub_http.h"

#include "http/upstream_pool.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <charconv>
#include <limits>
#include <vector>

#include "hub/hub_error.h"

namespace sy::hub {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace urls = boost::urls;
using tcp = net::ip::tcp;

http_target parse_target(const std::string& text, bool first_of_chain) {
  auto r = urls::parse_uri(text);
  if (!r) throw hub_error("not a valid URL: " + text.substr(0, 200));
  urls::url_view u = *r;
  http_target t;
  t.url = std::string(u.buffer());
  if (u.scheme_id() == urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() != urls::scheme::http) {
    throw hub_error("refusing a URL that is not http or https");
  }
  if (u.has_userinfo()) throw hub_error("refusing a URL with user information");
  t.host = u.host_address();
  if (t.host.empty()) throw hub_error("URL without a host");
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u.encoded_host());
  if (u.has_port()) t.host_header += ":" + t.port;
  t.path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) t.path += "?" + std::string(u.encoded_query());
  t.send_auth = first_of_chain;
  return t;
}

http_target follow_redirect(const http_target& from, const std::string& location) {
  auto ref = urls::parse_uri_reference(location);
  if (!ref) throw hub_error("redirect with an invalid Location");
  urls::url dest;
  auto base = urls::parse_uri(from.url);
  if (!base || !urls::resolve(*base, *ref, dest)) throw hub_error("redirect with an invalid Location");
  http_target t = parse_target(std::string(dest.buffer()), false);
  t.send_auth = from.send_auth && t.origin() == from.origin();
  return t;
}

bool is_redirect(unsigned s) {
  return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

namespace {

http::request<http::empty_body> make_request(const http_target& t, const get_options& opt) {
  http::request<http::empty_body> req{http::verb::get, t.path, 11};
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, opt.user_agent);
  if (opt.range)
    req.set(http::field::range, "bytes=" + std::to_string(opt.range->first) + "-" + std::to_string(opt.range->second));
  if (!opt.accept.empty()) req.set(http::field::accept, opt.accept);
  req.set(http::field::accept_encoding, "identity");
  req.set(http::field::connection, "close");
  if (opt.bearer_token && t.send_auth) req.set(http::field::authorization, "Bearer " + *opt.bearer_token);
  return req;
}

template <class Parser>
void copy_headers(const Parser& p, http_reply& out) {
  const auto& res = p.get();
  out.status = res.result_int();
  out.location = std::string(res[http::field::location]);
  out.content_range = std::string(res[http::field::content_range]);
  out.retry_after = std::string(res[http::field::retry_after]);
  if (auto len = p.content_length()) out.content_length = *len;
}

template <class Stream>
net::awaitable<void> exchange(Stream& s, const http::request<http::empty_body>& req, size_t body_cap, bool read_unsized,
                              http_reply& out) {
  co_await http::async_write(s, req, net::use_awaitable);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> p;
  p.header_limit(64 * 1024);
  p.body_limit(std::numeric_limits<uint64_t>::max());  // a big Content-Length alone is no error: see below
  co_await http::async_read_header(s, buf, p, net::use_awaitable);
  p.body_limit(body_cap);  // bounds chunked bodies
  copy_headers(p, out);
  auto len = p.content_length();
  if (out.status == 206 && len && *len > body_cap) throw hub_error("a 206 answer larger than the range asked for");
  bool read_body = out.status == 206 || (out.status == 200 && (len ? *len <= body_cap : read_unsized));
  if (read_body) {
    co_await http::async_read(s, buf, p, net::use_awaitable);
    out.body = std::move(p.get().body());
    out.has_body = true;
  }
}

// The body of a 200/206 with a Content-Length, read straight from the stream into a big buffer
// (no parser copy): the download path's hot loop.
template <class Stream>
net::awaitable<void> stream_exchange(Stream& s, beast::tcp_stream& lowest, const http::request<http::empty_body>& req,
                                     const get_options& opt, const std::function<bool(const char*, size_t)>& sink,
                                     const std::function<void(const http_reply&)>& on_headers, stream_result& out) {
  lowest.expires_after(opt.timeout);
  co_await http::async_write(s, req, net::use_awaitable);
  beast::flat_buffer buf;
  http::response_parser<http::empty_body> p;
  p.header_limit(64 * 1024);
  p.body_limit(std::numeric_limits<uint64_t>::max());
  lowest.expires_after(opt.timeout);
  co_await http::async_read_header(s, buf, p, net::use_awaitable);
  copy_headers(p, out.reply);
  if (out.reply.status != 200 && out.reply.status != 206) co_return;
  if (on_headers) on_headers(out.reply);
  if (!out.reply.content_length) throw hub_error("a download answer without Content-Length");
  uint64_t remaining = *out.reply.content_length;
  auto give = [&](const char* data, size_t n) {
    out.received += n;
    remaining -= n;
    if (!sink(data, n)) out.stopped = true;
  };
  if (buf.size() > 0) {
    size_t n = size_t(std::min<uint64_t>(buf.size(), remaining));
    give(static_cast<const char*>(buf.data().data()), n);
  }
  std::vector<char> block(size_t{1} << 20);
  while (remaining > 0 && !out.stopped) {
    lowest.expires_after(opt.timeout);
    size_t want = size_t(std::min<uint64_t>(block.size(), remaining));
    auto [ec, n] = co_await s.async_read_some(net::buffer(block.data(), want), net::as_tuple(net::use_awaitable));
    if (n > 0) give(block.data(), n);
    if (ec == beast::error::timeout) throw hub_error("no data for " + std::to_string(opt.timeout.count()) + " ms");
    if (ec && remaining > 0)
      throw hub_error("connection closed after " + std::to_string(out.received) + " of " +
                      std::to_string(*out.reply.content_length) + " bytes (" + ec.message() + ")");
  }
}

// Connects (TCP, then TLS when the target says so) and runs `body(stream, lowest_layer)`.
template <class Body>
net::awaitable<void> with_connection(const http_target& t, std::chrono::milliseconds timeout, Body body) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(t.host, t.port, net::use_awaitable);
  beast::tcp_stream tcp_stream(ex);
  tcp_stream.expires_after(timeout);
  co_await tcp_stream.async_connect(endpoints, net::use_awaitable);
  tcp_stream.socket().set_option(tcp::no_delay(true));
  if (!t.tls) {
    co_await body(tcp_stream, tcp_stream);
    co_return;
  }
  // the gateway's client TLS settings (system CAs, TLS 1.2+), loaded once: reading the CA store
  // per request would cost more than the request
  static const auto ctx = sy::http::make_client_tls_context();
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), *ctx);
  // SNI, and verification of the certificate against the host name
  if (!SSL_set_tlsext_host_name(tls.native_handle(), t.host.c_str())) throw hub_error("cannot set TLS SNI");
  tls.set_verify_callback(net::ssl::host_name_verification(t.host));
  beast::get_lowest_layer(tls).expires_after(timeout);
  co_await tls.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
  co_await body(tls, beast::get_lowest_layer(tls));
}

// Runs `co` to completion on a private io_context (within `deadline` when given), mapping
// transport errors to hub_error.
template <class Coro>
void run_blocking(const http_target& t, std::optional<std::chrono::milliseconds> deadline,
                  std::chrono::milliseconds timeout, Coro co) {
  std::exception_ptr failure;
  bool done = false;
  {
    net::io_context ioc;
    net::co_spawn(ioc, std::move(co), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
    if (deadline)
      ioc.run_for(*deadline);
    else
      ioc.run();
  }  // destroying the io_context closes whatever is still open
  if (!done) throw hub_error(t.host + ":" + t.port + ": timed out after " + std::to_string(timeout.count()) + " ms");
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const boost::system::system_error& e) {
      if (e.code() == beast::error::timeout)
        throw hub_error(t.host + ":" + t.port + ": timed out after " + std::to_string(timeout.count()) + " ms");
      throw hub_error(t.host + ":" + t.port + ": " + e.code().message() + (t.tls ? " (TLS)" : ""));
    }
  }
}

}  // namespace

http_reply get(const http_target& t, const get_options& opt, size_t body_cap, bool read_unsized) {
  auto req = make_request(t, opt);
  http_reply out;
  run_blocking(t, opt.timeout, opt.timeout, [&]() -> net::awaitable<void> {
    co_await with_connection(t, opt.timeout, [&](auto& s, beast::tcp_stream&) -> net::awaitable<void> {
      co_await exchange(s, req, body_cap, read_unsized, out);
    });
  });
  return out;
}

stream_result stream_get(const http_target& t, const get_options& opt,
                         const std::function<bool(const char*, size_t)>& sink,
                         const std::function<void(const http_reply&)>& on_headers) {
  auto req = make_request(t, opt);
  stream_result out;
  run_blocking(t, std::nullopt, opt.timeout, [&]() -> net::awaitable<void> {
    co_await with_connection(t, opt.timeout, [&](auto& s, beast::tcp_stream& lowest) -> net::awaitable<void> {
      co_await stream_exchange(s, lowest, req, opt, sink, on_headers, out);
    });
  });
  return out;
}

std::string status_message(unsigned status, bool had_token, std::string_view what) {
  switch (status) {
    case 401:
    case 403:
      return had_token ? "HTTP " + std::to_string(status) +
                             ": access denied with the HF_TOKEN given (gated repository: accept its terms on the hub?)"
                       : "HTTP " + std::to_string(status) + ": gated or private: set HF_TOKEN";
    case 404:
      return what == "repository" ? "HTTP 404: no such repository (check owner/repo)"
                                  : "HTTP 404: no such " + std::string(what) + " (check owner/repo and the path)";
    case 416: return "HTTP 416: range not satisfiable (empty file?)";
    case 429: return "HTTP 429: rate limited by the hub, try again later";
    default: return "HTTP " + std::to_string(status);
  }
}

bool parse_content_range(std::string_view s, uint64_t& a, uint64_t& b, uint64_t& total) {
  if (!s.starts_with("bytes ")) return false;
  s.remove_prefix(6);
  auto num = [&](uint64_t& v, char stop) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr == s.data()) return false;
    s.remove_prefix(size_t(r.ptr - s.data()));
    if (stop) {
      if (s.empty() || s.front() != stop) return false;
      s.remove_prefix(1);
    }
    return true;
  };
  return num(a, '-') && num(b, '/') && num(total, 0) && s.empty() && a <= b && b < total;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  uint32_t s = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), s);
  if (v.empty() || r.ec != std::errc{} || r.ptr != v.data() + v.size()) return std::nullopt;
  return std::chrono::seconds(s);
}

}  // namespace sy::hub
