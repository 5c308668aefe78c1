#include "http/server.h"

#include <random>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/config.h"
#include "http/buffered_parse.h"
#include "http/error_body.h"
#include "http/head_fields.h"
#include "http/pch.h"
#include "http/request_framing.h"
#include "http/write_all.h"

namespace sy::http {

using tcp = net::ip::tcp;
constexpr auto nothrow = net::as_tuple(net::use_awaitable);

// A worker: one io_context run by one thread. `idle` holds the connections waiting for their
// next request and since when: drain() closes them, and a once-a-second sweep closes those idle
// past idle_timeout (cheaper than arming and cancelling a timer around every keep-alive wait).
// next request, so drain() can close them; touched only on this worker's thread.
struct server::worker {
  explicit worker(unsigned i) : index(i) {}
  const unsigned index;  // exchange::worker of the requests it runs
  net::io_context ctx{1};
  std::unordered_map<beast::tcp_stream*, std::chrono::steady_clock::time_point> idle;
};

namespace {

std::string make_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::uint64_t v = rng();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) id[static_cast<size_t>(i)] = hex[v & 0xf];
  return id;
}

// An inbound x-request-id is kept when it is short and plain (it is echoed and logged).
bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  return true;
}

struct protocol_refusal {
  unsigned status;
  std::string message;
  std::string_view code;
};

// A deadline for reading one part of a request. Unlike tcp_stream's own timeout, which closes
// the socket, it only cancels the read, so that a 408 can still be written. Lives on the
// connection's frame; what its timer's handler touches is shared with it, so a wait that fired
// just as the read completed (its handler already queued) finds a newer generation, or no
// stream once the connection has ended.
class read_deadline {
 public:
  explicit read_deadline(beast::tcp_stream& stream) : timer_(stream.get_executor()), state_(std::make_shared<state>()) {
    state_->stream = &stream;
  }
  ~read_deadline() { state_->stream = nullptr; }
  read_deadline(const read_deadline&) = delete;
  read_deadline& operator=(const read_deadline&) = delete;

  void arm(duration d) {
    state_->expired = false;
    state_->armed = true;
    auto gen = ++state_->generation;
    timer_.expires_after(d);
    timer_.async_wait([s = state_, gen](beast::error_code ec) {
      if (ec || gen != s->generation || !s->armed || !s->stream) return;
      s->expired = true;
      beast::error_code ignored;
      s->stream->socket().cancel(ignored);
    });
  }
  void disarm() {
    state_->armed = false;
    timer_.cancel();
  }
  bool expired() const { return state_->expired; }

 private:
  struct state {  // touched only on the connection's worker thread
    beast::tcp_stream* stream = nullptr;
    std::uint64_t generation = 0;
    bool armed = false;
    bool expired = false;
  };
  net::steady_timer timer_;
  std::shared_ptr<state> state_;
};

// Reads a request's head (`head_only`) or all that is left of it into `parser`: from what
// `buffer` already holds when that is enough (no timer, no asynchronous read), else from the
// stream within `timeout` (`deadline` says afterwards whether it expired).
net::awaitable<beast::error_code> read_request_part(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                    bhttp::request_parser<bhttp::string_body>& parser,
                                                    read_deadline& deadline, duration timeout, bool head_only) {
  beast::error_code ec;
  auto done = [&] { return head_only ? parser.is_header_done() : parser.is_done(); };
  if (parse_buffered(parser, buffer, done, ec)) co_return ec;
  deadline.arm(timeout);
  if (head_only) {
    auto [rec, n] = co_await bhttp::async_read_header(stream, buffer, parser, nothrow);
    ec = rec;
  } else {
    auto [rec, n] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
    ec = rec;
  }
  deadline.disarm();
  co_return ec;
}

// How a failed read of the request `part` ("header" or "body") is answered; nullopt when the
// client simply went away and nothing should be sent.
std::optional<protocol_refusal> refusal_for(const beast::error_code& ec, bool timed_out, std::string_view part,
                                            std::size_t header_limit, std::size_t body_limit) {
  if (timed_out) return protocol_refusal{408, "timed out reading the request " + std::string(part), "request_timeout"};
  if (ec == bhttp::error::body_limit)
    return protocol_refusal{413, "request body exceeds the limit of " + std::to_string(body_limit) + " bytes",
                            "body_too_large"};
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return protocol_refusal{431,
                            "request header fields too large (the limit is " + std::to_string(header_limit) +
                                " bytes: server.max_header_bytes)",
                            "header_too_large"};
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == net::error::eof ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted || ec == beast::error::timeout)
    return std::nullopt;
  return protocol_refusal{400, "malformed HTTP request " + std::string(part) + ": " + ec.message(), "bad_request"};
}

}  // namespace

server::server(server_options options, handler_fn handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      host_check_(is_loopback_host(options_.host), options_.allowed_hosts),
      origin_check_(options_.allowed_origins) {
  unsigned n = std::max(1u, options_.threads);
  for (unsigned i = 0; i < n; ++i) workers_.push_back(std::make_unique<worker>(i));
}

server::~server() {
  stop_now();
  wait();
}

net::io_context& server::worker_context(unsigned i) {
  return workers_.at(i)->ctx;
}

unsigned short server::start() {
  auto& ctx0 = workers_[0]->ctx;
  auto address = net::ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host);
  tcp::endpoint ep{address, options_.port};
  acceptor_ = std::make_unique<tcp::acceptor>(ctx0);
  acceptor_->open(ep.protocol());
  acceptor_->set_option(tcp::acceptor::reuse_address(true));
  acceptor_->bind(ep);
  acceptor_->listen(net::socket_base::max_listen_connections);
  unsigned short port = acceptor_->local_endpoint().port();
  net::co_spawn(ctx0, accept_loop(), net::detached);
  for (auto& w : workers_) net::co_spawn(w->ctx, sweep_idle(*w), net::detached);
  for (auto& w : workers_) {
    auto* ctx = &w->ctx;
    threads_.emplace_back([ctx] {
      auto guard = net::make_work_guard(*ctx);
      ctx->run();
    });
  }
  return port;
}

net::awaitable<void> server::sweep_idle(worker& w) {
  net::steady_timer timer(w.ctx);
  auto period = std::min<duration>(std::chrono::seconds(1), options_.idle_timeout);
  for (;;) {
    timer.expires_after(period);
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) co_return;
    auto now = std::chrono::steady_clock::now();
    for (auto& [s, since] : w.idle)
      if (now - since >= options_.idle_timeout) s->cancel();  // its read ends; the connection closes
  }
}

net::awaitable<void> server::accept_loop() {
  std::size_t next = 0;
  for (;;) {
    auto& w = *workers_[next];
    next = (next + 1) % workers_.size();
    auto [ec, socket] = co_await acceptor_->async_accept(w.ctx, nothrow);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_->is_open()) co_return;
      // e.g. EMFILE: back off briefly instead of spinning
      spdlog::warn("accept failed: {}", ec.message());
      net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(nothrow);
      continue;
    }
    accepted_.fetch_add(1, std::memory_order_relaxed);
    net::co_spawn(w.ctx, run_connection(w, std::move(socket)), net::detached);
  }
}

net::awaitable<void> server::refuse(beast::tcp_stream& stream, const request* head, unsigned status,
                                    std::string_view message, std::string_view code,
                                    std::chrono::steady_clock::time_point started, std::string_view known_id) {
  std::string id;
  if (!known_id.empty())
    id = std::string(known_id);
  else if (head && sane_request_id((*head)["x-request-id"]))
    id = std::string((*head)["x-request-id"]);
  else
    id = make_request_id();
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::connection, "close");
  res.set("x-request-id", id);
  res.body() = error_body(message, error_type_for_status(status), code);
  res.prepare_payload();
  stream.expires_after(std::chrono::seconds(5));
  co_await bhttp::async_write(stream, res, nothrow);
  stream.expires_never();
  if (options_.on_refused) {
    std::string_view method, target;
    if (head) method = head->method_string(), target = head->target();
    refused_request r{id, method, target, status, message, std::chrono::steady_clock::now() - started, stream};
    options_.on_refused(r);
  }
}

net::awaitable<void> server::run_connection(worker& w, tcp::socket socket) {
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  // once per connection: a getpeername per request used to be two syscalls of every request
  std::string peer;
  beast::error_code no_peer;
  if (auto remote = socket.remote_endpoint(no_peer); !no_peer) peer = remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  // Room for a whole head at its limit (a smaller buffer would refuse heads below the limit),
  // plus a read's worth beyond it (a pipelined request, the start of the body).
  beast::flat_buffer buffer(options_.max_header_bytes + 64 * 1024);
  read_deadline deadline(stream);

  for (;;) {
    // Wait for the first byte of the next request (keep-alive idle); drain() may cancel this.
    if (buffer.size() == 0) {
      if (!read_ok_to_continue()) break;
      w.idle.emplace(&stream, std::chrono::steady_clock::now());
      // straight from the socket: tcp_stream's read would add its layers for no timer (the idle
      // sweep ends a wait that lasts too long)
      auto [ec, n] = co_await stream.socket().async_read_some(buffer.prepare(8192), nothrow);
      w.idle.erase(&stream);
      if (ec) break;  // closed, idle timeout or drain
      buffer.commit(n);
    }

    auto started = std::chrono::steady_clock::now();
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    auto hec = co_await read_request_part(stream, buffer, parser, deadline, options_.header_timeout, true);
    if (hec) {
      // a declared length over the limit is refused as the head ends: the head itself is whole
      const request* whole_head = hec == bhttp::error::body_limit ? &parser.get() : nullptr;
      if (auto r = refusal_for(hec, deadline.expired(), "header", options_.max_header_bytes, options_.max_body_bytes))
        co_await refuse(stream, whole_head, r->status, r->message, r->code, started);
      break;
    }
    auto& head = parser.get();
    const head_fields fields = scan_head_fields(head);
    if (auto bad = check_framing(fields, head.version())) {
      co_await refuse(stream, &head, bad->status, bad->message,
                      bad->status == 501 ? "unsupported_transfer_encoding" : "bad_request", started);
      break;
    }
    if (!host_check_.allows(fields.host)) {
      co_await refuse(stream, &head, 421,
                      "Host header not allowed on this loopback listener (DNS rebinding guard); add "
                      "it to server.allowed_hosts",
                      "host_not_allowed", started);
      break;
    }
    if (!origin_check_.allows(fields.origin, fields.sec_fetch_site, fields.host)) {
      co_await refuse(stream, &head, 403,
                      "requests from web pages on other sites are refused (cross-site request guard); add the "
                      "page's origin to server.allowed_origins to let it use this gateway",
                      "origin_not_allowed", started);
      break;
    }
    if (auto len = parser.content_length(); len && *len > options_.max_body_bytes) {
      co_await refuse(stream, &head, 413,
                      "request body of " + std::to_string(*len) + " bytes exceeds the limit of " +
                          std::to_string(options_.max_body_bytes),
                      "body_too_large", started);
      break;
    }
    if (beast::iequals(fields.expect, "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      co_await bhttp::async_write(stream, cont, nothrow);
    }
    auto bec = co_await read_request_part(stream, buffer, parser, deadline, options_.body_timeout, false);
    if (bec) {
      if (auto r = refusal_for(bec, deadline.expired(), "body", options_.max_header_bytes, options_.max_body_bytes))
        co_await refuse(stream, &parser.get(), r->status, r->message, r->code, started);
      break;
    }
    stream.expires_never();

    // the request stays in the parser (no move): `fields` point into its head
    request& req = parser.get();
    exchange ex{stream, req, fields};
    ex.request_id = sane_request_id(fields.request_id) ? std::string(fields.request_id) : make_request_id();
    ex.peer = peer;
    ex.worker = w.index;
    ex.keep_alive = parser.keep_alive();
    ex.started = std::chrono::steady_clock::now();
    ex.write_timeout = options_.idle_timeout;

    in_flight_.fetch_add(1, std::memory_order_relaxed);
    bool threw = false;
    try {
      co_await handler_(ex);
    } catch (const std::exception& e) {
      // the handler contract is not to throw; this is the last guard
      spdlog::error("request {}: unhandled error: {}", ex.request_id, e.what());
      threw = true;
    }
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (threw) {
      // Unanswered: the client gets a 500 naming the request (and the access log a line).
      // Answered: the response may be half written, so the connection can only close.
      if (!ex.answered) {
        const std::string message = "internal error while answering this request (request id " + ex.request_id + ")";
        co_await refuse(stream, &req, 500, message, "internal_error", started, ex.request_id);
      }
      break;
    }
    if (!ex.keep_alive || !read_ok_to_continue()) break;
  }
  // Lingering close: after our FIN, read and discard what the client still sends (e.g. the
  // rest of a refused body) for a moment. Closing with unread input makes the kernel send RST,
  // which can destroy the response before the client has read it.
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (read_ok_to_continue()) {
    std::array<char, 4096> sink;
    std::size_t discarded = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (discarded < 1024 * 1024) {
      auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), nothrow);
      if (ec) break;
      discarded += n;
    }
  }
  stream.close();
}

std::size_t server::drain(duration grace) {
  draining_.store(true, std::memory_order_release);
  if (acceptor_) {
    net::post(workers_[0]->ctx, [this] {
      beast::error_code ec;
      acceptor_->close(ec);
    });
  }
  for (auto& w : workers_) {
    auto* wp = w.get();
    net::post(wp->ctx, [wp] {
      for (auto& [s, since] : wp->idle) s->cancel();
    });
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (in_flight() > 0 && std::chrono::steady_clock::now() < deadline && !stopped_now_.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::size_t cut = in_flight();
  stop_now();
  return cut;
}

void server::stop_now() {
  stopped_now_.store(true);
  for (auto& w : workers_) w->ctx.stop();
}

void server::wait() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

reply json_response(const exchange& ex, unsigned status, std::string body) {
  reply res;
  res.status = status;
  res.headers.reserve(4);
  res.headers.emplace_back("Content-Type", "application/json");
  res.headers.emplace_back("x-request-id", ex.request_id);
  res.body = std::move(body);
  return res;
}

net::awaitable<void> send(exchange& ex, const reply& res) {
  std::string head;
  head.reserve(256);
  serialize_response_head(head, res.status, res.headers, res.body.size(), ex.keep_alive);
  ex.answered = true;
  // HEAD: the head says how long the body would be, and no body follows
  const bool head_only = ex.req.method() == beast::http::verb::head;
  std::array<net::const_buffer, 2> buffers{net::buffer(head),
                                           net::buffer(res.body.data(), head_only ? 0 : res.body.size())};
  if (co_await write_all(ex.stream, buffers, ex.write_timeout))
    ex.keep_alive = false;
  else if (!head_only)
    capture_sent(ex, res.body);
}

net::awaitable<void> send_error(exchange& ex, unsigned status, std::string_view message, std::string_view code) {
  auto res = json_response(ex, status, error_body(ex, status, message, error_type_for_status(status), code));
  co_await send(ex, res);
}

}  // namespace sy::http
