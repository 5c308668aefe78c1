#pragma once
// Outbound connections to upstreams (HTTP and HTTPS), kept alive and reused.
//
// Threading: one upstream_pool per worker thread; it and its connections are touched only on
// that thread (no locks on the hot path). Counters are atomics so others may read them.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/config.h"
#include "http/socket_deadlines.h"
#include "http/url.h"

namespace sy::http {

namespace net = boost::asio;
namespace beast = boost::beast;

// One connection to an upstream, plain or TLS, with its read buffer (bytes past a response
// stay with the connection).
class upstream_connection {
 public:
  explicit upstream_connection(beast::tcp_stream plain);
  explicit upstream_connection(std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls);

  beast::tcp_stream& tcp();  // for timeouts and closing
  bool is_tls() const { return tls_ != nullptr; }
  // Calls f(stream) with the concrete stream type; f returns an awaitable.
  template <class F>
  auto visit(F&& f) {
    return tls_ ? f(*tls_) : f(*plain_);
  }
  // Reads what has arrived (waiting for some) into `buffer`: straight from the socket for a plain
  // connection (Beast's composed reads, and tcp_stream's per-read timer, add layers for nothing:
  // deadlines are the pool's), through the TLS stream otherwise. The end of the stream is
  // net::error::eof (or a TLS error).
  net::awaitable<beast::error_code> read_some();
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since{};
  std::uint64_t requests = 0;  // responses completed on this connection

 private:
  std::optional<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
};

// Why an upstream exchange failed, for errors and metrics.
enum class upstream_failure {
  none,
  resolve,
  connect,
  connect_timeout,
  tls,
  write,
  first_byte_timeout,
  reset,
  protocol,
  read_timeout,
  deadline  // the exchange's total deadline passed
};
const char* to_string(upstream_failure f);

class upstream_pool {
 public:
  upstream_pool(net::io_context& ctx, net::ssl::context& tls, const upstream_config& cfg);

  // A pooled connection still fresh enough to reuse, or nullptr.
  std::unique_ptr<upstream_connection> take_idle(const base_url& url);
  // Opens a new connection: resolve, connect (with timeout), TLS handshake with SNI and
  // certificate verification. On failure returns nullptr and sets *failure and *detail.
  // `timeout`: zero = the pool's connect_timeout.
  net::awaitable<std::unique_ptr<upstream_connection>> connect(const base_url& url, upstream_failure* failure,
                                                               std::string* detail,
                                                               std::chrono::steady_clock::duration timeout = {});
  // Returns a connection whose last response was read completely and that may be kept alive.
  void give_back(const base_url& url, std::unique_ptr<upstream_connection> conn);
  // Closes the idle connections older than pool_idle_timeout, and forgets upstreams with none
  // left — also those no request will ask for again (a backend removed or moved by a reload, a
  // discovered server gone). (take_idle() skips stale connections too, but only for an
  // upstream that is asked for again.)
  void close_expired();

  const upstream_config& config() const { return cfg_; }
  // New timeouts and limits for requests that start from now on (call on the pool's thread).
  void set_config(const upstream_config& cfg) { cfg_ = cfg; }
  std::uint64_t opened() const { return opened_.load(std::memory_order_relaxed); }
  std::uint64_t reused() const { return reused_.load(std::memory_order_relaxed); }
  // The deadlines of reads from this pool's connections (first byte, between body reads).
  socket_deadlines& deadlines() { return deadlines_; }

 private:
  bool expired(const upstream_connection& c, std::chrono::steady_clock::time_point now) const;

  net::io_context& ctx_;
  net::ssl::context& tls_;
  upstream_config cfg_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<upstream_connection>>> idle_;
  std::atomic<std::uint64_t> opened_{0};
  std::atomic<std::uint64_t> reused_{0};
  socket_deadlines deadlines_;
};

// A TLS client context that verifies peers against the system's CA store.
std::unique_ptr<net::ssl::context> make_client_tls_context();

}  // namespace sy::http
