// switchyard-loadgen: the load tool of bench/gateway (see README.md there).
//
// Modes:
//   saturate  closed loop, keep-alive: every connection sends its next request as soon as the
//             previous response is in; reports requests/s, errors and latency.
//   rate      a fixed total request rate over a pool of connections. Request i is scheduled at
//             t0 + i/rate and its latency runs from that scheduled time, so a stalled server
//             shows up as latency instead of as fewer samples (no coordinated omission).
//   stream    like rate, with "stream": true and the mock upstream's knobs
//             ("mock": {"chunks", "chunk_delay_ms", "stamp": true}); reports time to first SSE
//             data event and per-chunk relay delay = arrival steady_clock ns - the chunk's
//             "t_ns" (CLOCK_MONOTONIC ns the mock took just before writing the chunk).
//   report    reads the combined results run.sh assembled, prints the table and ratios, and
//             writes the combined results plus the ratios to --output.
//
// One io_context per thread (default 1 thread); a connection lives on one thread and keeps its
// own samples, merged after the threads join, so the hot path takes no locks.
// Build standalone:
//   g++ -std=c++20 -O2 -Wall -Wextra bench/gateway/loadgen.cpp -o /tmp/loadgen -lboost_json -lpthread

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, same clock as the mock

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

int64_t to_ns(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// ---------------------------------------------------------------------------------------------
// options

struct options {
  std::string mode;
  std::string url = "http://127.0.0.1:8080/v1/chat/completions";
  std::string body_arg;  // a JSON literal, a file, or @file
  std::string model;     // overrides the body's "model" when set
  std::vector<std::string> headers;
  int connections = 0;  // 0 = the mode's default
  int threads = 1;
  double duration_s = 10;
  double warmup_s = 1;
  double rate = 0;  // 0 = the mode's default
  int chunks = 20;
  int chunk_delay_ms = 2;
  double timeout_s = 10;  // per connect / request / stream
  bool json_out = false;
  std::string input, output;  // report mode
  // parsed from url
  std::string host, port, target;
};

[[noreturn]] void usage(int rc) {
  std::fprintf(rc ? stderr : stdout, "%s",
               "usage: switchyard-loadgen --mode saturate|rate|stream --url http://HOST:PORT/PATH\n"
               "         [--body JSON|FILE|@FILE] [--model NAME] [-H 'Name: value']...\n"
               "         [--connections N] [--threads N] [--duration S] [--warmup S] [--rate R]\n"
               "         [--chunks N] [--chunk-delay-ms MS] [--timeout S] [--json]\n"
               "       switchyard-loadgen --mode report --input COMBINED.json [--output FILE]\n"
               "defaults: saturate 64 connections; rate 16 connections at 1000/s;\n"
               "          stream 8 connections at 50/s, 20 chunks 2 ms apart; duration 10 s, warmup 1 s\n");
  std::exit(rc);
}

[[noreturn]] void die(std::string const& msg) {
  std::fprintf(stderr, "switchyard-loadgen: %s\n", msg.c_str());
  std::exit(2);
}

double to_double(std::string const& flag, std::string const& v) {
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (...) {
  }
  die(flag + ": not a number: " + v);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], val;
    bool has_inline = false;
    if (a.rfind("--", 0) == 0) {
      if (auto eq = a.find('='); eq != std::string::npos) {
        val = a.substr(eq + 1);
        a = a.substr(0, eq);
        has_inline = true;
      }
    }
    auto value = [&]() -> std::string {
      if (has_inline) return val;
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help")
      usage(0);
    else if (a == "--json")
      o.json_out = true;
    else if (a == "--mode")
      o.mode = value();
    else if (a == "--url")
      o.url = value();
    else if (a == "--body")
      o.body_arg = value();
    else if (a == "--model")
      o.model = value();
    else if (a == "-H" || a == "--header")
      o.headers.push_back(value());
    else if (a == "--connections" || a == "-c")
      o.connections = int(to_double(a, value()));
    else if (a == "--threads")
      o.threads = int(to_double(a, value()));
    else if (a == "--duration" || a == "-d")
      o.duration_s = to_double(a, value());
    else if (a == "--warmup")
      o.warmup_s = to_double(a, value());
    else if (a == "--rate" || a == "-r")
      o.rate = to_double(a, value());
    else if (a == "--chunks")
      o.chunks = int(to_double(a, value()));
    else if (a == "--chunk-delay-ms")
      o.chunk_delay_ms = int(to_double(a, value()));
    else if (a == "--timeout")
      o.timeout_s = to_double(a, value());
    else if (a == "--input")
      o.input = value();
    else if (a == "--output")
      o.output = value();
    else
      die("unknown argument: " + a + " (try --help)");
  }
  if (o.mode != "saturate" && o.mode != "rate" && o.mode != "stream" && o.mode != "report")
    die("--mode must be saturate, rate, stream or report");
  if (o.mode == "report") {
    if (o.input.empty()) die("report needs --input");
    return o;
  }
  if (o.connections == 0) o.connections = o.mode == "saturate" ? 64 : o.mode == "rate" ? 16 : 8;
  if (o.rate == 0) o.rate = o.mode == "stream" ? 50 : 1000;
  if (o.connections < 1 || o.threads < 1 || o.duration_s <= 0 || o.warmup_s < 0 || o.rate <= 0 || o.timeout_s <= 0)
    die("connections, threads, duration, rate and timeout must be positive");
  o.threads = std::min(o.threads, o.connections);
  for (auto const& h : o.headers)
    if (h.find(':') == std::string::npos) die("-H wants 'Name: value', got: " + h);

  // http://host[:port][/path]
  std::string_view u = o.url;
  if (u.rfind("http://", 0) != 0) die("--url must start with http:// (no TLS)");
  u.remove_prefix(7);
  auto slash = u.find('/');
  std::string_view authority = u.substr(0, slash);
  o.target = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
  if (auto colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    o.host = std::string(authority.substr(0, colon));
    o.port = std::string(authority.substr(colon + 1));
  } else {
    o.host = std::string(authority);
    o.port = "80";
  }
  if (o.host.size() > 2 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  if (o.host.empty()) die("--url has no host");
  return o;
}

std::string read_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The request body: the given JSON (or a minimal chat request), with --model applied and, in
// stream mode, "stream": true plus the mock upstream's "mock" knobs merged in.
std::string build_body(options const& o) {
  std::string text = R"({"model":"mock-chat","messages":[{"role":"user","content":"Hello"}]})";
  if (!o.body_arg.empty()) {
    auto first = o.body_arg.find_first_not_of(" \t\r\n");
    bool literal = first != std::string::npos && (o.body_arg[first] == '{');
    text = literal ? o.body_arg : read_file(o.body_arg[0] == '@' ? o.body_arg.substr(1) : o.body_arg);
  }
  json::value v;
  try {
    v = json::parse(text);
  } catch (std::exception const& e) {
    die(std::string("--body is not valid JSON: ") + e.what());
  }
  if (!v.is_object()) die("--body must be a JSON object");
  auto& obj = v.as_object();
  if (!o.model.empty()) obj["model"] = o.model;
  if (o.mode == "stream") {
    obj["stream"] = true;
    auto& mock = obj["mock"];
    if (!mock.is_object()) mock = json::object();
    mock.as_object()["chunks"] = o.chunks;
    mock.as_object()["chunk_delay_ms"] = o.chunk_delay_ms;
    mock.as_object()["stamp"] = true;
  }
  return json::serialize(v);
}

// The whole request, serialized once and written as-is for every request.
std::string build_request(options const& o, std::string const& body) {
  std::string host_header = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  if (o.port != "80") host_header += ":" + o.port;
  std::string r = "POST " + o.target + " HTTP/1.1\r\nHost: " + host_header +
                  "\r\nUser-Agent: switchyard-loadgen\r\nContent-Type: application/json\r\n";
  r += o.mode == "stream" ? "Accept: text/event-stream\r\n" : "Accept: application/json\r\n";
  for (auto const& h : o.headers) r += h + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

// ---------------------------------------------------------------------------------------------
// samples

struct conn_stats {
  std::vector<int64_t> latency_ns;  // saturate/rate: per response; stream: whole stream
  std::vector<int64_t> ttfc_ns;     // stream: scheduled send -> first data event
  std::vector<int64_t> chunk_ns;    // stream: chunk arrival - chunk t_ns
  uint64_t ok = 0;
  uint64_t status_errors = 0, io_errors = 0, timeouts = 0, connect_errors = 0;
  uint64_t connects = 0;
  uint64_t chunks = 0, chunks_without_t_ns = 0, streams_without_done = 0;

  uint64_t errors() const { return status_errors + io_errors + timeouts + connect_errors; }
  void merge(conn_stats const& o) {
    latency_ns.insert(latency_ns.end(), o.latency_ns.begin(), o.latency_ns.end());
    ttfc_ns.insert(ttfc_ns.end(), o.ttfc_ns.begin(), o.ttfc_ns.end());
    chunk_ns.insert(chunk_ns.end(), o.chunk_ns.begin(), o.chunk_ns.end());
    ok += o.ok;
    status_errors += o.status_errors;
    io_errors += o.io_errors;
    timeouts += o.timeouts;
    connect_errors += o.connect_errors;
    connects += o.connects;
    chunks += o.chunks;
    chunks_without_t_ns += o.chunks_without_t_ns;
    streams_without_done += o.streams_without_done;
  }
};

// Nearest-rank percentiles in microseconds; the vector is sorted in place.
json::object percentiles_us(std::vector<int64_t>& v) {
  json::object out;
  if (v.empty()) {
    for (auto k : {"p50", "p90", "p99", "p999", "max", "mean"}) out[k] = nullptr;
    out["n"] = 0;
    return out;
  }
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
    rank = std::clamp<size_t>(rank, 1, v.size());
    return std::round(double(v[rank - 1]) / 100.0) / 10.0;  // 0.1 us resolution
  };
  long double sum = 0;
  for (auto x : v) sum += x;
  out["p50"] = at(50);
  out["p90"] = at(90);
  out["p99"] = at(99);
  out["p999"] = at(99.9);
  out["max"] = std::round(double(v.back()) / 100.0) / 10.0;
  out["mean"] = std::round(double(sum / v.size()) / 100.0) / 10.0;
  out["n"] = v.size();
  return out;
}

// ---------------------------------------------------------------------------------------------
// SSE: events are separated by a blank line; an event's data is its "data:" lines joined by \n.

class sse_parser {
 public:
  template <class on_event_fn>
  void feed(std::string_view bytes, on_event_fn&& on_event) {
    pending_.append(bytes);
    size_t pos = 0;
    for (;;) {
      auto nl = pending_.find('\n', pos);
      if (nl == std::string::npos) break;
      std::string_view line(pending_.data() + pos, nl - pos);
      pos = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        if (has_data_) on_event(std::string_view(data_));
        data_.clear();
        has_data_ = false;
      } else if (line.rfind("data:", 0) == 0) {
        line.remove_prefix(5);
        if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        if (has_data_) data_ += '\n';
        data_.append(line);
        has_data_ = true;
      }  // comments (":...") and other fields are ignored
    }
    pending_.erase(0, pos);
  }

 private:
  std::string pending_, data_;
  bool has_data_ = false;
};

// The "t_ns" integer anywhere in a chunk's JSON; a string scan is enough and costs no parse.
std::optional<int64_t> find_t_ns(std::string_view data) {
  auto k = data.find("\"t_ns\"");
  if (k == std::string_view::npos) return std::nullopt;
  size_t i = k + 6;
  while (i < data.size() && (data[i] == ' ' || data[i] == ':' || data[i] == '\t')) ++i;
  int64_t v = 0;
  size_t start = i;
  while (i < data.size() && data[i] >= '0' && data[i] <= '9') v = v * 10 + (data[i++] - '0');
  if (i == start) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------------------------------------
// load

struct shared_state {
  options const& opt;
  tcp::endpoint endpoint;
  std::string request;
  steady::time_point t0, measure_start, measure_end, give_up;
  std::chrono::nanoseconds interval{0};
  std::chrono::nanoseconds timeout{0};
  std::atomic<uint64_t> next_ticket{0};
  std::atomic<int> errors_printed{0};

  explicit shared_state(options const& o) : opt(o) {}
  bool in_window(steady::time_point t) const { return t >= measure_start && t < measure_end; }
  void print_error(std::string const& what) {
    if (errors_printed.fetch_add(1) < 5) std::fprintf(stderr, "loadgen: %s\n", what.c_str());
  }
};

// One keep-alive connection; reconnects after errors or "Connection: close".
// Owned by main and alive until every thread has joined.
class connection {
 public:
  connection(shared_state& s, conn_stats& st) : s_(s), st_(st) {}

  asio::awaitable<void> run() {
    co_await ensure_connected(false);
    co_await sleep_until(s_.t0);
    if (s_.opt.mode == "saturate")
      co_await run_saturate();
    else
      co_await run_scheduled();
    if (stream_) {
      beast::error_code ec;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_->close();
    }
  }

 private:
  enum class outcome { ok, status, io, timeout, connect };

  asio::awaitable<void> sleep_until(steady::time_point t) {
    if (steady::now() >= t) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_at(t);
    co_await timer.async_wait(use_tuple);
  }

  void close() {
    if (!stream_) return;
    stream_->close();
    stream_.reset();
    buffer_.clear();
  }

  asio::awaitable<bool> ensure_connected(bool count_errors = true) {
    if (stream_ && stream_->socket().is_open()) co_return true;
    stream_.emplace(co_await asio::this_coro::executor);
    buffer_.clear();
    stream_->expires_after(s_.timeout);
    auto [ec] = co_await stream_->async_connect(s_.endpoint, use_tuple);
    if (ec) {
      s_.print_error("connect: " + ec.message());
      stream_.reset();
      if (count_errors) ++st_.connect_errors;
      co_await sleep_until(steady::now() + std::chrono::milliseconds(10));
      co_return false;
    }
    stream_->socket().set_option(tcp::no_delay(true));
    ++st_.connects;
    co_return true;
  }

  outcome io_failure(beast::error_code ec, char const* what) {
    close();
    if (ec == beast::error::timeout) return outcome::timeout;
    s_.print_error(std::string(what) + ": " + ec.message());
    return outcome::io;
  }

  asio::awaitable<outcome> exchange() {
    stream_->expires_after(s_.timeout);
    auto [wec, wn] = co_await asio::async_write(*stream_, asio::buffer(s_.request), use_tuple);
    if (wec) co_return io_failure(wec, "write");
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    auto [rec, rn] = co_await http::async_read(*stream_, buffer_, parser, use_tuple);
    if (rec) co_return io_failure(rec, "read");
    auto const& res = parser.get();
    bool keep = res.keep_alive();
    if (!keep) close();
    if (res.result_int() != 200) {
      s_.print_error("HTTP " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 300));
      co_return outcome::status;
    }
    co_return outcome::ok;
  }

  // A streamed request scheduled at `sched`; samples go in only when `record` is set.
  asio::awaitable<outcome> exchange_stream(steady::time_point sched, bool record) {
    stream_->expires_after(s_.timeout);
    auto [wec, wn] = co_await asio::async_write(*stream_, asio::buffer(s_.request), use_tuple);
    if (wec) co_return io_failure(wec, "write");
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await http::async_read_header(*stream_, buffer_, parser, use_tuple);
    if (hec) co_return io_failure(hec, "read header");
    unsigned status = parser.get().result_int();

    sse_parser sse;
    std::string error_body;
    bool first = true, done = false;
    int64_t ttfc = 0;
    std::vector<int64_t> delays;
    uint64_t chunks = 0, unstamped = 0;
    char chunk_buf[16384];
    while (!parser.is_done()) {
      parser.get().body().data = chunk_buf;
      parser.get().body().size = sizeof chunk_buf;
      auto [ec, n] = co_await http::async_read_some(*stream_, buffer_, parser, use_tuple);
      auto arrival = steady::now();
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return io_failure(ec, "read body");
      size_t got = sizeof chunk_buf - parser.get().body().size;
      std::string_view bytes(chunk_buf, got);
      if (status != 200) {
        if (error_body.size() < 300) error_body.append(bytes.substr(0, 300));
        continue;
      }
      sse.feed(bytes, [&](std::string_view data) {
        if (data == "[DONE]") {
          done = true;
          return;
        }
        if (first) {
          ttfc = (arrival - sched).count();
          first = false;
        }
        ++chunks;
        if (auto t = find_t_ns(data))
          delays.push_back(to_ns(arrival) - *t);
        else
          ++unstamped;
      });
    }
    auto end = steady::now();
    if (!parser.get().keep_alive()) close();
    if (status != 200) {
      s_.print_error("HTTP " + std::to_string(status) + ": " + error_body);
      co_return outcome::status;
    }
    if (record) {
      st_.latency_ns.push_back((end - sched).count());
      if (!first) st_.ttfc_ns.push_back(ttfc);
      st_.chunk_ns.insert(st_.chunk_ns.end(), delays.begin(), delays.end());
      st_.chunks += chunks;
      st_.chunks_without_t_ns += unstamped;
      if (!done) ++st_.streams_without_done;
    }
    co_return outcome::ok;
  }

  void count(outcome r) {
    switch (r) {
      case outcome::ok: ++st_.ok; break;
      case outcome::status: ++st_.status_errors; break;
      case outcome::io: ++st_.io_errors; break;
      case outcome::timeout: ++st_.timeouts; break;
      case outcome::connect: ++st_.connect_errors; break;
    }
  }

  asio::awaitable<void> run_saturate() {
    for (;;) {
      auto start = steady::now();
      if (start >= s_.measure_end) co_return;
      outcome r = outcome::connect;
      if (co_await ensure_connected(false)) r = co_await exchange();
      auto end = steady::now();
      // completions inside the window count, and so do failures of requests sent inside
      // it (a stalled target times out after the window and must not read as 0 errors)
      if (!s_.in_window(end) && (r == outcome::ok || !s_.in_window(start))) continue;
      count(r);
      if (r == outcome::ok) st_.latency_ns.push_back((end - start).count());
    }
  }

  // rate and stream: take the next ticket from the shared schedule, wait for its time, send.
  asio::awaitable<void> run_scheduled() {
    bool streaming = s_.opt.mode == "stream";
    for (;;) {
      uint64_t ticket = s_.next_ticket.fetch_add(1, std::memory_order_relaxed);
      auto sched = s_.t0 + s_.interval * int64_t(ticket);
      if (sched >= s_.measure_end || steady::now() >= s_.give_up) co_return;
      co_await sleep_until(sched);
      bool record = s_.in_window(sched);
      outcome r = outcome::connect;
      if (co_await ensure_connected(false))
        r = streaming ? co_await exchange_stream(sched, record) : co_await exchange();
      if (!record) continue;
      count(r);
      if (!streaming && r == outcome::ok) st_.latency_ns.push_back((steady::now() - sched).count());
    }
  }

  shared_state& s_;
  conn_stats& st_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

int run_load(options const& o) {
  shared_state s(o);
  s.request = build_request(o, build_body(o));
  try {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(o.host, o.port);
    if (results.empty()) die("cannot resolve " + o.host);
    s.endpoint = *results.begin();
  } catch (std::exception const& e) {
    die("cannot resolve " + o.host + ":" + o.port + ": " + e.what());
  }
  auto secs = [](double d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(d));
  };
  s.timeout = secs(o.timeout_s);
  s.interval = secs(1.0 / o.rate);
  s.t0 = steady::now() + std::chrono::milliseconds(200);  // time to open the connections
  s.measure_start = s.t0 + secs(o.warmup_s);
  s.measure_end = s.measure_start + secs(o.duration_s);
  s.give_up = s.measure_end + std::chrono::seconds(2);  // an overloaded target: stop sending

  std::vector<conn_stats> stats(size_t(o.connections));
  std::vector<std::unique_ptr<connection>> conns;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int t = 0; t < o.threads; ++t) contexts.push_back(std::make_unique<asio::io_context>(1));
  for (int i = 0; i < o.connections; ++i) {
    conns.push_back(std::make_unique<connection>(s, stats[size_t(i)]));
    asio::co_spawn(*contexts[size_t(i % o.threads)], conns.back()->run(), asio::detached);
  }
  std::vector<std::thread> threads;
  for (int t = 1; t < o.threads; ++t) threads.emplace_back([&, t] { contexts[size_t(t)]->run(); });
  contexts[0]->run();
  for (auto& th : threads) th.join();

  conn_stats all;
  for (auto const& st : stats) all.merge(st);
  double dur = o.duration_s;
  json::object out;
  out["mode"] = o.mode;
  out["url"] = o.url;
  out["connections"] = o.connections;
  out["threads"] = o.threads;
  out["duration_s"] = dur;
  out["warmup_s"] = o.warmup_s;
  out["requests"] = all.ok;
  out["errors"] = all.errors();
  out["error_detail"] = {
      {"status", all.status_errors}, {"io", all.io_errors}, {"timeout", all.timeouts}, {"connect", all.connect_errors}};
  out["connects"] = all.connects;
  out["rps"] = std::round(double(all.ok) / dur * 10) / 10;
  if (o.mode != "saturate") {
    out["target_rate"] = o.rate;
    out["expected"] = uint64_t(std::llround(o.rate * dur));
  }
  if (o.mode == "stream") {
    out["streams"] = all.ok;
    out["chunks_requested"] = o.chunks;
    out["chunk_delay_ms"] = o.chunk_delay_ms;
    out["chunks"] = all.chunks;
    out["chunks_per_stream"] = all.ok ? std::round(double(all.chunks) / double(all.ok) * 100) / 100 : 0.0;
    out["chunks_without_t_ns"] = all.chunks_without_t_ns;
    out["streams_without_done"] = all.streams_without_done;
    out["ttfc_us"] = percentiles_us(all.ttfc_ns);
    out["chunk_delay_us"] = percentiles_us(all.chunk_ns);
    out["stream_total_us"] = percentiles_us(all.latency_ns);
  } else {
    out["latency_us"] = percentiles_us(all.latency_ns);
  }

  // --json: the JSON on stdout for run.sh, the readable line on stderr as its progress line
  std::FILE* human = o.json_out ? stderr : stdout;
  if (o.json_out) std::cout << json::serialize(out) << std::endl;
  auto num = [](json::value const& v) {
    if (v.is_null()) return std::string("-");
    char b[64];
    std::snprintf(b, sizeof b, "%.1f", v.to_number<double>());
    return std::string(b);
  };
  auto errors = [&] {
    char b[160];
    std::snprintf(b, sizeof b, "%llu errors (status %llu, io %llu, timeout %llu, connect %llu)",
                  (unsigned long long)all.errors(), (unsigned long long)all.status_errors,
                  (unsigned long long)all.io_errors, (unsigned long long)all.timeouts,
                  (unsigned long long)all.connect_errors);
    return std::string(all.errors() ? b : "0 errors");
  };
  if (o.mode == "stream") {
    auto& t = out["ttfc_us"].as_object();
    auto& c = out["chunk_delay_us"].as_object();
    std::fprintf(human,
                 "stream: %.1f streams/s, %.2f chunks/stream, %s; TTFC us p50 %s p99 %s; "
                 "chunk relay delay us p50 %s p99 %s (%llu chunks, %llu without t_ns)\n",
                 double(all.ok) / dur, out["chunks_per_stream"].to_number<double>(), errors().c_str(),
                 num(t["p50"]).c_str(), num(t["p99"]).c_str(), num(c["p50"]).c_str(), num(c["p99"]).c_str(),
                 (unsigned long long)all.chunks, (unsigned long long)all.chunks_without_t_ns);
  } else {
    auto& l = out["latency_us"].as_object();
    std::fprintf(human, "%s: %.1f req/s, %s; latency us p50 %s p90 %s p99 %s p99.9 %s max %s\n", o.mode.c_str(),
                 double(all.ok) / dur, errors().c_str(), num(l["p50"]).c_str(), num(l["p90"]).c_str(),
                 num(l["p99"]).c_str(), num(l["p999"]).c_str(), num(l["max"]).c_str());
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// report: the combined results of run.sh -> a table, the ratios, and --output with the ratios

constexpr char const* targets[] = {"direct", "switchyard", "nginx"};

std::optional<double> number_at(json::value const& root, std::vector<char const*> const& path) {
  json::value const* v = &root;
  for (auto key : path) {
    if (!v->is_object()) return std::nullopt;
    auto it = v->as_object().find(key);
    if (it == v->as_object().end()) return std::nullopt;
    v = &it->value();
  }
  if (!v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

json::value maybe(std::optional<double> d) {
  if (!d) return nullptr;
  return std::round(*d * 1000) / 1000;
}

std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b == 0) return std::nullopt;
  return *a / *b;
}

std::optional<double> minus(std::optional<double> a, std::optional<double> b) {
  if (!a || !b) return std::nullopt;
  return *a - *b;
}

std::string fmt(std::optional<double> d, char const* spec = "%.1f") {
  if (!d) return "-";
  char b[64];
  std::snprintf(b, sizeof b, spec, *d);
  return b;
}

int run_report(options const& o) {
  json::value root;
  try {
    root = json::parse(read_file(o.input));
  } catch (std::exception const& e) {
    die(o.input + ": " + e.what());
  }
  if (!root.is_object()) die(o.input + ": not a JSON object");
  auto res = [&](char const* mode, char const* target, std::vector<char const*> const& rest) {
    json::value const* v = &root;
    for (auto key : {"results", mode, target}) {
      if (!v->is_object() || !v->as_object().contains(key)) return std::optional<double>{};
      v = &v->as_object().at(key);
    }
    return number_at(*v, rest);
  };

  struct row {
    std::string label;
    char const* mode;
    std::vector<char const*> path;  // not an initializer_list: rows outlive their braces
    char const* spec = "%.1f";
  };
  std::vector<row> rows = {
      {"saturate req/s", "saturate", {"rps"}, "%.0f"},
      {"saturate latency p50 us", "saturate", {"latency_us", "p50"}},
      {"saturate latency p99 us", "saturate", {"latency_us", "p99"}},
      {"saturate errors", "saturate", {"errors"}, "%.0f"},
      {"rate req/s (achieved)", "rate", {"rps"}, "%.0f"},
      {"rate latency p50 us", "rate", {"latency_us", "p50"}},
      {"rate latency p90 us", "rate", {"latency_us", "p90"}},
      {"rate latency p99 us", "rate", {"latency_us", "p99"}},
      {"rate latency p99.9 us", "rate", {"latency_us", "p999"}},
      {"rate latency max us", "rate", {"latency_us", "max"}},
      {"rate errors", "rate", {"errors"}, "%.0f"},
      {"stream TTFC p50 us", "stream", {"ttfc_us", "p50"}},
      {"stream TTFC p99 us", "stream", {"ttfc_us", "p99"}},
      {"stream chunk delay p50 us", "stream", {"chunk_delay_us", "p50"}},
      {"stream chunk delay p99 us", "stream", {"chunk_delay_us", "p99"}},
      {"stream chunks/stream", "stream", {"chunks_per_stream"}},
      {"stream errors", "stream", {"errors"}, "%.0f"},
  };
  std::printf("\n%-28s %14s %14s %14s\n", "", "direct (a)", "switchyard (b)", "nginx (c)");
  for (auto const& r : rows) {
    std::printf("%-28s", r.label.c_str());
    for (auto t : targets) std::printf(" %14s", fmt(res(r.mode, t, r.path), r.spec).c_str());
    std::printf("\n");
  }

  json::object ratios;
  auto rps = [&](char const* t) { return res("saturate", t, {"rps"}); };
  ratios["rps_switchyard_over_nginx"] = maybe(ratio(rps("switchyard"), rps("nginx")));
  ratios["rps_switchyard_over_direct"] = maybe(ratio(rps("switchyard"), rps("direct")));
  ratios["rps_nginx_over_direct"] = maybe(ratio(rps("nginx"), rps("direct")));
  auto over_direct = [&](char const* mode, char const* metric) {
    json::object by_target;
    for (auto t : {"switchyard", "nginx"}) {
      json::object p;
      for (auto q : {"p50", "p99"}) p[q] = maybe(minus(res(mode, t, {metric, q}), res(mode, "direct", {metric, q})));
      by_target[t] = std::move(p);
    }
    return by_target;
  };
  ratios["added_latency_us"] = over_direct("rate", "latency_us");
  ratios["extra_ttfc_us"] = over_direct("stream", "ttfc_us");
  ratios["extra_chunk_delay_us"] = over_direct("stream", "chunk_delay_us");
  for (auto q : {"p50", "p99"})
    ratios[std::string("latency_") + q + "_switchyard_over_nginx"] =
        maybe(ratio(res("rate", "switchyard", {"latency_us", q}), res("rate", "nginx", {"latency_us", q})));

  auto r = [&](std::vector<char const*> const& path) { return number_at(ratios, path); };
  std::printf("\nsaturation throughput:  switchyard/nginx %s   switchyard/direct %s   nginx/direct %s\n",
              fmt(r({"rps_switchyard_over_nginx"}), "%.3f").c_str(),
              fmt(r({"rps_switchyard_over_direct"}), "%.3f").c_str(),
              fmt(r({"rps_nginx_over_direct"}), "%.3f").c_str());
  auto added = [&](char const* title, char const* key) {
    std::printf("%-24s", title);
    for (auto t : {"switchyard", "nginx"})
      std::printf("  %s p50 %s us p99 %s us;", t, fmt(r({key, t, "p50"}), "%+.1f").c_str(),
                  fmt(r({key, t, "p99"}), "%+.1f").c_str());
    std::printf("\n");
  };
  auto rate = number_at(root, {"params", "rate"});
  std::printf("added latency over direct at %s req/s:\n", fmt(rate, "%.0f").c_str());
  added("  request latency", "added_latency_us");
  std::printf("streaming, over direct:\n");
  added("  extra TTFC", "extra_ttfc_us");
  added("  extra per-chunk delay", "extra_chunk_delay_us");
  std::printf("latency at fixed rate, switchyard/nginx: p50 %s  p99 %s\n",
              fmt(r({"latency_p50_switchyard_over_nginx"}), "%.2f").c_str(),
              fmt(r({"latency_p99_switchyard_over_nginx"}), "%.2f").c_str());
  auto kb = [&](char const* who) { return number_at(root, {"peak_rss_kb", who}); };
  auto mib = [&](std::optional<double> k) { return k ? fmt(*k / 1024.0, "%.1f") + " MiB" : std::string("-"); };
  std::printf("peak RSS (VmHWM): switchyard %s   nginx worker %s   nginx master %s\n", mib(kb("switchyard")).c_str(),
              mib(kb("nginx_worker")).c_str(), mib(kb("nginx_master")).c_str());

  // --- what run.sh measured beside the table: worker counts, the saturated process, CPU and
  // syscalls per request
  if (auto* res_obj = root.as_object().if_contains("results"); res_obj && res_obj->is_object()) {
    for (auto const& kv : res_obj->as_object()) {
      std::string_view key = kv.key();
      if (!key.starts_with("saturate_")) continue;
      auto sy = number_at(kv.value(), {"switchyard", "rps"});
      auto ng = number_at(kv.value(), {"nginx", "rps"});
      std::printf("saturation with %s worker(s): switchyard %s req/s, nginx %s req/s, switchyard/nginx %s\n",
                  std::string(key.substr(9, key.size() - 10)).c_str(), fmt(sy, "%.0f").c_str(), fmt(ng, "%.0f").c_str(),
                  fmt(ratio(sy, ng), "%.3f").c_str());
      ratios[std::string("rps_switchyard_over_nginx_") + std::string(key.substr(9))] = maybe(ratio(sy, ng));
    }
  }
  if (auto* shares = root.as_object().if_contains("cpu_share_at_saturation"); shares && shares->is_object()) {
    std::printf("CPU at saturation, %% of one core (proxy / upstream / loadgen) and the saturated process:\n");
    for (auto const& run : shares->as_object()) {
      if (!run.value().is_object()) continue;
      for (auto t : targets) {
        auto* s = run.value().as_object().if_contains(t);
        if (!s || !s->is_object()) continue;
        auto* b = s->as_object().if_contains("bottleneck");
        std::printf("  %-3s %-10s %5s / %5s / %5s  %s\n", std::string(run.key()).c_str(), t,
                    fmt(number_at(*s, {"proxy"}), "%.0f").c_str(), fmt(number_at(*s, {"upstream"}), "%.0f").c_str(),
                    fmt(number_at(*s, {"loadgen"}), "%.0f").c_str(),
                    b && b->is_string() ? std::string(b->as_string()).c_str() : "-");
      }
    }
  }
  auto per = [&](char const* section, char const* who) { return number_at(root, {section, who}); };
  std::printf("proxy CPU (user + sys) per request at %s req/s: switchyard %s us, nginx %s us\n",
              fmt(rate, "%.0f").c_str(), fmt(per("cpu_us_per_request_at_rate", "switchyard"), "%.0f").c_str(),
              fmt(per("cpu_us_per_request_at_rate", "nginx"), "%.0f").c_str());
  std::printf("proxy CPU per streamed chunk: switchyard %s us, nginx %s us\n",
              fmt(per("cpu_us_per_chunk_streaming", "switchyard"), "%.0f").c_str(),
              fmt(per("cpu_us_per_chunk_streaming", "nginx"), "%.0f").c_str());
  if (auto* sc = root.as_object().if_contains("syscalls_at_rate"); sc && sc->is_object()) {
    for (auto who : {"switchyard", "nginx"}) {
      auto* s = sc->as_object().if_contains(who);
      if (!s || !s->is_object()) continue;
      std::string calls;
      if (auto* by = s->as_object().if_contains("by_call"); by && by->is_object())
        for (auto const& c : by->as_object())
          if (auto n = number_at(c.value(), {}); n && *n >= 0.05)
            calls += " " + std::string(c.key()) + " " + fmt(n, "%.2f");
      std::printf("syscalls per request, %s: %s (%s)\n", who, fmt(number_at(*s, {"per_request"}), "%.2f").c_str(),
                  calls.empty() ? "-" : calls.substr(1).c_str());
    }
  }

  root.as_object()["ratios"] = std::move(ratios);
  if (!o.output.empty()) {
    std::ofstream out(o.output, std::ios::binary | std::ios::trunc);
    if (!out) die("cannot write " + o.output);
    out << json::serialize(root) << "\n";
  } else if (o.json_out) {
    std::cout << json::serialize(root) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse_args(argc, argv);
  if (o.mode == "report") return run_report(o);
  return run_load(o);
}
