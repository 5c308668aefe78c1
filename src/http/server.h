#pragma once
// The inbound HTTP/1.1 server: accepts on one listener, runs each connection as a coroutine on
// one of N worker threads (one io_context per thread, so a connection and everything it
// touches stays on one thread), enforces request limits and timeouts, and hands each complete
// request to the handler. Keep-alive, 100-continue, graceful drain.
//
// Threading: start()/drain()/wait() are called from the owning (main) thread; the handler runs
// on the worker thread that owns the connection (exchange::worker).
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/duration.h"
#include "http/head_fields.h"
#include "http/host_check.h"
#include "http/origin_check.h"
#include "http/reply.h"

namespace sy::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using request = bhttp::request<bhttp::string_body>;

// One request being answered. Lives on the connection's coroutine frame; valid until the
// handler returns. The handler writes the response itself (so it can stream) and sets
// keep_alive=false when the connection must close afterwards.
struct exchange {
  beast::tcp_stream& stream;
  request& req;
  const head_fields& fields;  // of req, read once
  std::string request_id;     // from a sane inbound x-request-id, else generated
  std::string peer;           // the client's IP address, read once per connection ("" if unknown)
  unsigned worker = 0;        // index of the worker thread that runs this connection
  bool keep_alive = true;
  bool answered = false;  // a response head went out (set by send, relay and event streams)
  std::chrono::steady_clock::time_point started;
  duration write_timeout{};  // per write to the client (a client that stops reading is dropped)
  // How errors are written for this client (its API's format); null = OpenAI's
  // {"error":{"message","type","param","code"}}. Set by the handler that knows the API.
  std::string (*error_format)(unsigned status, std::string_view message, std::string_view type,
                              std::string_view code) = nullptr;
  // When set, the body bytes sent to the client (replies, relayed bodies, events; not heads or
  // chunk framing) are appended here, up to capture_limit bytes in all: what
  // observability.capture_bodies keeps. Whoever sets it clears it before the string goes.
  std::string* capture = nullptr;
  std::size_t capture_limit = 0;
};

// Appends `bytes` to ex.capture (when set), up to its limit.
inline void capture_sent(exchange& ex, std::string_view bytes) {
  if (!ex.capture || ex.capture->size() >= ex.capture_limit) return;
  ex.capture->append(bytes.substr(0, ex.capture_limit - ex.capture->size()));
}

using handler_fn = std::function<net::awaitable<void>(exchange&)>;

// A request the server answered itself, before any handler saw it (bad framing, limits,
// timeouts, a foreign Host or Origin), or with a 500 after its handler threw before answering.
// method/target are empty when the head never parsed.
struct refused_request {
  std::string_view request_id;
  std::string_view method;
  std::string_view target;
  unsigned status;
  std::string_view message;
  std::chrono::steady_clock::duration took;
  const beast::tcp_stream& stream;
};
// Called on the connection's worker thread; must not throw.
using refusal_fn = std::function<void(const refused_request&)>;

struct server_options {
  std::string host = "127.0.0.1";
  unsigned short port = 8321;
  unsigned threads = 1;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  duration header_timeout = std::chrono::seconds(10);
  duration body_timeout = std::chrono::seconds(60);
  duration idle_timeout = std::chrono::seconds(75);
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;  // see origin_check.h
  refusal_fn on_refused;                     // e.g. the access log; may be empty
};

class server {
 public:
  server(server_options options, handler_fn handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts the worker threads. Returns the bound port. Throws on bind failure.
  unsigned short start();
  // Stops accepting, closes idle keep-alive connections, lets in-flight requests finish for up
  // to `grace`, then stops the workers. Returns the number of requests cut off at the deadline.
  std::size_t drain(duration grace);
  // Stops at once (second signal): the workers return, and drain() stops waiting. Whatever
  // waits for the workers to run something (a background_task's stop()) must be done first.
  void stop_now();
  // Joins the worker threads.
  void wait();

  unsigned worker_count() const { return static_cast<unsigned>(workers_.size()); }
  net::io_context& worker_context(unsigned i);
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  std::uint64_t connections_accepted() const { return accepted_.load(std::memory_order_relaxed); }

 private:
  struct worker;
  struct connection;
  net::awaitable<void> accept_loop();
  net::awaitable<void> sweep_idle(worker& w);
  net::awaitable<void> run_connection(worker& w, net::ip::tcp::socket socket);
  // Answers with an error and closes; the id is `known_id`, else the head's sane x-request-id,
  // else a new one. Reports the refusal to options_.on_refused.
  net::awaitable<void> refuse(beast::tcp_stream& stream, const request* head, unsigned status, std::string_view message,
                              std::string_view code, std::chrono::steady_clock::time_point started,
                              std::string_view known_id = {});
  bool read_ok_to_continue() const { return !draining_.load(std::memory_order_acquire); }

  server_options options_;
  handler_fn handler_;
  host_check host_check_;
  origin_check origin_check_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<std::thread> threads_;
  std::unique_ptr<net::ip::tcp::acceptor> acceptor_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_now_{false};  // stop_now() was called: drain() waits no longer
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::uint64_t> accepted_{0};
};

// A JSON reply carrying the request id.
reply json_response(const exchange& ex, unsigned status, std::string body);

// Writes a complete response to the client in one write (with the write timeout); to a HEAD
// request, the head only. Errors close the connection (keep_alive=false); never throws.
net::awaitable<void> send(exchange& ex, const reply& res);

// An OpenAI-style error response.
net::awaitable<void> send_error(exchange& ex, unsigned status, std::string_view message, std::string_view code = {});

}  // namespace sy::http
