#include "http/upstream_pool.h"

#include <unistd.h>

#include <algorithm>

#include <openssl/ssl.h>

#include "http/pch.h"

namespace sy::http {

using tcp = net::ip::tcp;
constexpr auto nothrow = net::as_tuple(net::use_awaitable);

upstream_connection::upstream_connection(beast::tcp_stream plain) : plain_(std::move(plain)) {}
upstream_connection::upstream_connection(std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls)
    : tls_(std::move(tls)) {}

beast::tcp_stream& upstream_connection::tcp() {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}

net::awaitable<beast::error_code> upstream_connection::read_some() {
  // as much as the buffer holds without growing, at least 512 bytes, at most 64 KiB (as Beast)
  std::size_t room = std::clamp<std::size_t>(buffer.capacity() - buffer.size(), 512, 64 * 1024);
  auto space = buffer.prepare(room);
  auto [ec, n] =
      tls_ ? co_await tls_->async_read_some(space, nothrow) : co_await plain_->socket().async_read_some(space, nothrow);
  buffer.commit(n);
  co_return ec;
}

const char* to_string(upstream_failure f) {
  switch (f) {
    case upstream_failure::none: return "none";
    case upstream_failure::resolve: return "resolve";
    case upstream_failure::connect: return "connect";
    case upstream_failure::connect_timeout: return "connect_timeout";
    case upstream_failure::tls: return "tls";
    case upstream_failure::write: return "write";
    case upstream_failure::first_byte_timeout: return "first_byte_timeout";
    case upstream_failure::reset: return "reset";
    case upstream_failure::protocol: return "protocol";
    case upstream_failure::read_timeout: return "read_timeout";
    case upstream_failure::deadline: return "deadline";
  }
  return "unknown";
}

upstream_pool::upstream_pool(net::io_context& ctx, net::ssl::context& tls, const upstream_config& cfg)
    : ctx_(ctx), tls_(tls), cfg_(cfg), deadlines_(ctx.get_executor()) {}

std::unique_ptr<upstream_connection> upstream_pool::take_idle(const base_url& url) {
  auto it = idle_.find(url.pool_key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    auto conn = std::move(list.back());  // most recently used first: least likely to be closed
    list.pop_back();
    if (!expired(*conn, now) && conn->tcp().socket().is_open()) {
      reused_.fetch_add(1, std::memory_order_relaxed);
      return conn;
    }
  }
  return nullptr;
}

void upstream_pool::give_back(const base_url& url, std::unique_ptr<upstream_connection> conn) {
  if (cfg_.max_idle_per_host == 0) return;
  auto& list = idle_[url.pool_key];
  auto now = std::chrono::steady_clock::now();
  std::erase_if(list, [&](const auto& c) { return expired(*c, now); });
  if (list.size() >= cfg_.max_idle_per_host) list.erase(list.begin());  // drop the oldest
  conn->idle_since = now;
  conn->tcp().expires_never();
  list.push_back(std::move(conn));
}

bool upstream_pool::expired(const upstream_connection& c, std::chrono::steady_clock::time_point now) const {
  return now - c.idle_since >= cfg_.pool_idle_timeout;
}

void upstream_pool::close_expired() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    std::erase_if(it->second, [&](const auto& c) { return expired(*c, now); });
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
}

net::awaitable<std::unique_ptr<upstream_connection>> upstream_pool::connect(
    const base_url& url, upstream_failure* failure, std::string* detail, std::chrono::steady_clock::duration timeout) {
  tcp::resolver resolver(ctx_);
  auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, nothrow);
  if (rec) {
    *failure = upstream_failure::resolve;
    *detail = "cannot resolve " + url.host + ": " + rec.message();
    co_return nullptr;
  }
  beast::tcp_stream stream(ctx_);
  stream.expires_after(timeout > timeout.zero() ? timeout : cfg_.connect_timeout);
  auto [cec, ep] = co_await stream.async_connect(results, nothrow);
  if (cec) {
    *failure = cec == beast::error::timeout ? upstream_failure::connect_timeout : upstream_failure::connect;
    *detail = "cannot connect to " + url.host + ":" + url.port + ": " +
              (cec == beast::error::timeout ? std::string("timed out") : cec.message());
    co_return nullptr;
  }
  beast::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  // The connect waited for writability, which leaves the socket registered for EPOLLOUT edges
  // for good: every ACK of a later request would wake the worker for nothing (one wasted
  // epoll_wait per request). Registered anew, the socket watches writability only when a write
  // has to wait.
  if (auto fd = stream.socket().release(ignored); !ignored) {
    tcp::socket again(ctx_);
    again.assign(ep.protocol(), fd, ignored);
    if (ignored) {
      ::close(fd);
      *failure = upstream_failure::connect;
      *detail = "cannot connect to " + url.host + ":" + url.port + ": " + ignored.message();
      co_return nullptr;
    }
    stream.socket() = std::move(again);
  }
  opened_.fetch_add(1, std::memory_order_relaxed);
  if (!url.tls) {
    stream.expires_never();
    co_return std::make_unique<upstream_connection>(std::move(stream));
  }
  auto tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(stream), tls_);
  // SNI, and verification of the certificate against the host name
  if (!SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) {
    *failure = upstream_failure::tls;
    *detail = "cannot set TLS server name";
    co_return nullptr;
  }
  tls->set_verify_callback(net::ssl::host_name_verification(url.host));
  auto [hec] = co_await tls->async_handshake(net::ssl::stream_base::client, nothrow);
  if (hec) {
    *failure = hec == beast::error::timeout ? upstream_failure::connect_timeout : upstream_failure::tls;
    *detail = "TLS handshake with " + url.host + " failed: " + hec.message();
    co_return nullptr;
  }
  beast::get_lowest_layer(*tls).expires_never();
  co_return std::make_unique<upstream_connection>(std::move(tls));
}

std::unique_ptr<net::ssl::context> make_client_tls_context() {
  auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(net::ssl::verify_peer);
  ctx->set_options(net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                   net::ssl::context::no_tlsv1_1);
  return ctx;
}

}  // namespace sy::http
