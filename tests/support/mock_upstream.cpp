// mock-openai: an OpenAI-compatible mock upstream for integration tests and benchmarks.
//
//   mock-openai [--host 127.0.0.1] [--port 0] [--threads 1] [--models mock-chat,mock-embed]
//               [--require-key KEY]
//
// --require-key: every request outside /mock/ must carry "Authorization: Bearer KEY"; others get
// OpenAI's 401, which quotes the key that was presented ("Incorrect API key provided: ...").
//
// once bound it prints "listening on HOST:PORT" to stdout; SIGINT/SIGTERM exit cleanly.
//
// endpoints (HTTP/1.1, keep-alive):
//   GET  /v1/models                 one entry per --models id
//   POST /v1/chat/completions       chat.completion, or SSE chat.completion.chunk when "stream": true
//   POST /v1/completions            text_completion, streamed the same way
//   POST /v1/embeddings             8 deterministic floats per input string
//   GET  /mock/last                 method, target, lowercased headers and raw body of the last
//                                   request outside /mock/ other than GET /v1/models (404 until
//                                   there is one)
//   GET  /mock/stats                {"connections": accepted, "open": open now, "requests": requests
//                                   outside /mock/, "generations": POSTs to the three generation
//                                   endpoints (not model listings, e.g. a gateway's health checks)}
//   GET  /mock/sent                 the raw body bytes (SSE events, or the JSON) written for the last
//                                   POST to a generation endpoint, chunk framing removed, as far as it
//                                   got (the first 1 MiB); X-Mock-Status: its status (0: nothing was
//                                   written, e.g. reset or stall); 404 until there is one
//   POST /mock/faults               body: a "mock" object (below) applied to every later request
//                                   that has none of its own, e.g. to fail one of two route targets
//                                   that get the same body; {} clears it
//   POST /mock/reset                zeroes stats, forgets the last request, the sent bytes, the
//                                   faults and released keys
//   POST /mock/release/KEY          wakes every request holding on KEY, now or later
//
// fault injection, from an optional "mock" object in the request body:
//   chunks N (3)        content events when streaming, each "tok<i> "
//   content "text"      non-streaming content ("Hello from mock")
//   chunk_delay_ms N    delay before every streamed event after the first content event
//   delay_ms N          delay before the response header (applies before every other control)
//   status CODE         reply CODE with an OpenAI error body ("mock failure CODE", or `message`);
//                       retry_after "S" adds a Retry-After header
//   reset true          close with RST (SO_LINGER {1,0}) instead of answering
//   stall true          never answer; keep the socket until the peer closes
//   die_after N         stream: RST after N content events, before the finish event and [DONE];
//                       non-stream: RST after the header and the first half of the body
//   end_after N         stream: end the body cleanly (its last chunk, or the close of an HTTP/1.0
//                       one) after N content events, with no finish event and no [DONE]: an
//                       upstream that dies between events but says nothing
//   stall_after N       (stream) stop after N content events and keep the socket until the peer
//                       closes (a stream that stalls mid-way)
//   malformed true      non-stream: 200 with `{"id": "broken`; stream: `data: {not json` after event 0
//   hold "KEY"          wait for POST /mock/release/KEY; streams wait after hold_after (1) content
//                       events, non-streaming requests before the header
//   stamp true          (stream) every content event carries "t_ns", steady_clock (CLOCK_MONOTONIC)
//                       nanoseconds taken right before its write
//   utf8 true           multi-byte content: streamed event i says the i-th (mod 5) piece of
//                       "héllo wörld ✓ 日本 🙂 ", non-streaming content is "héllo wörld ✓ 日本 🙂";
//                       and the whole response is written torn: in pieces 1 ms apart, cut inside
//                       every multi-byte UTF-8 sequence and between the two newlines that end each
//                       SSE event (the reader sees partial events and partial characters)
//
// threading: --threads N runs N io_contexts with one thread each; accepted connections are spread
// round-robin and stay on their context. shared state (mock_state) is atomics or mutex-guarded.
// note: the data path never throws; every socket error ends only its own connection.

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using asio::awaitable;
using socket_t = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;
using request_t = http::request<http::string_body>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t max_body_bytes = 64u << 20;
constexpr std::uint64_t max_delay_ms = 3'600'000;
constexpr std::uint64_t max_chunks = 1'000'000;
constexpr std::size_t max_sent_kept = 1u << 20;  // GET /mock/sent keeps this much of a response
constexpr std::uint64_t torn_gap_ms = 1;         // between the pieces of a torn (utf8) write

// what `utf8` streams, one piece per content event ("héllo ", "wörld ", "✓ ", "日本 ", "🙂 "), and
// answers whole when not streaming
constexpr std::array<std::string_view, 5> utf8_pieces{"h\xc3\xa9llo ", "w\xc3\xb6rld ", "\xe2\x9c\x93 ",
                                                      "\xe6\x97\xa5\xe6\x9c\xac ", "\xf0\x9f\x99\x82 "};
constexpr std::string_view utf8_text =
    "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82";

// ---------------------------------------------------------------------------------------------
// text helpers: responses are assembled by hand into reused strings (no per-event allocation)

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// note: input is valid UTF-8 (it comes from Boost.JSON or the command line), so only quotes,
// backslashes and control characters need escaping
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(ch >> 4) & 0xf];
          out += hex[ch & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::uint64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::uint64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::uint64_t count_words(std::string_view s) {
  std::uint64_t n = 0;
  bool in_word = false;
  for (char ch : s) {
    bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
    n += !space && !in_word;
    in_word = !space;
  }
  return n;
}

std::string_view reason_of(unsigned status) {
  auto r = http::obsolete_reason(static_cast<http::status>(status));
  return r == "<unknown-status>" ? std::string_view("Unknown") : std::string_view(r.data(), r.size());
}

std::string_view error_type_of(unsigned status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 429: return "rate_limit_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

void error_body(std::string& out, std::string_view message, std::string_view type) {
  out.assign(R"({"error":{"message":)");
  append_json_string(out, message);
  out += R"(,"type":)";
  append_json_string(out, type);
  out += R"(,"param":null,"code":null}})";
}

// ---------------------------------------------------------------------------------------------
// json field access: lenient, a wrong type means "use the default"

std::uint64_t uint_field(json::object const& o, std::string_view key, std::uint64_t def, std::uint64_t max) {
  auto const* v = o.if_contains(key);
  if (!v) return def;
  if (v->is_int64()) return v->get_int64() < 0 ? 0 : std::min<std::uint64_t>(v->get_int64(), max);
  if (v->is_uint64()) return std::min(v->get_uint64(), max);
  if (v->is_double()) {
    double d = v->get_double();
    return !(d > 0) ? 0 : d >= static_cast<double>(max) ? max : static_cast<std::uint64_t>(d);
  }
  return def;
}

bool bool_field(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

std::string_view string_field(json::object const& o, std::string_view key, std::string_view def) {
  auto const* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : def;
}

// words in every message's content (a string, or an array of {"text": ...} parts)
std::uint64_t count_message_words(json::object const& req) {
  std::uint64_t n = 0;
  auto const* msgs = req.if_contains("messages");
  if (!msgs || !msgs->is_array()) return 0;
  for (auto const& m : msgs->get_array()) {
    auto const* content = m.is_object() ? m.get_object().if_contains("content") : nullptr;
    if (!content) continue;
    if (content->is_string()) n += count_words(content->get_string());
    if (content->is_array())
      for (auto const& part : content->get_array())
        if (part.is_object()) n += count_words(string_field(part.get_object(), "text", {}));
  }
  return n;
}

std::uint64_t count_prompt_words(json::object const& req) {
  auto const* p = req.if_contains("prompt");
  if (!p) return 0;
  if (p->is_string()) return count_words(p->get_string());
  std::uint64_t n = 0;
  if (p->is_array())
    for (auto const& s : p->get_array()) n += s.is_string() ? count_words(s.get_string()) : 1;
  return n;
}

// unit-length vector of 8 floats derived from the fnv-1a hash of `input`
void append_embedding(std::string& out, std::string_view input) {
  std::uint64_t h = 1469598103934665603ull;
  for (char ch : input) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  std::array<double, 8> v{};
  double norm = 0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    std::uint64_t x = h + (k + 1) * 0x9e3779b97f4a7c15ull;  // splitmix64
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    v[k] = static_cast<double>(x >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    norm += v[k] * v[k];
  }
  norm = norm > 0 ? std::sqrt(norm) : 1.0;
  out += '[';
  for (std::size_t k = 0; k < v.size(); ++k) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(v[k] / norm));
    if (k) out += ',';
    out.append(buf, r.ptr);
  }
  out += ']';
}

// ---------------------------------------------------------------------------------------------
// the "mock" controls of one request; views point into the parsed request body

struct mock_controls {
  std::uint64_t chunks = 3;
  std::string_view content = "Hello from mock";
  std::uint64_t chunk_delay_ms = 0;
  std::uint64_t delay_ms = 0;
  unsigned status = 0;       // 0: answer normally
  std::string_view message;  // the error message with `status` ("" = "mock failure CODE")
  std::string retry_after;
  bool reset = false;
  bool stall = false;
  std::optional<std::uint64_t> die_after;
  std::optional<std::uint64_t> end_after;
  std::optional<std::uint64_t> stall_after;
  bool malformed = false;
  std::string hold;  // empty: no hold
  std::uint64_t hold_after = 1;
  bool stamp = false;
  bool utf8 = false;
};

// `mv`: the request's "mock" value, or the faults set with POST /mock/faults (may be null)
mock_controls read_controls(json::value const* mv) {
  mock_controls m;
  if (!mv || !mv->is_object()) return m;
  auto const& o = mv->get_object();
  m.utf8 = bool_field(o, "utf8");
  m.chunks = uint_field(o, "chunks", m.chunks, max_chunks);
  m.content = string_field(o, "content", m.utf8 ? utf8_text : m.content);
  m.chunk_delay_ms = uint_field(o, "chunk_delay_ms", 0, max_delay_ms);
  m.delay_ms = uint_field(o, "delay_ms", 0, max_delay_ms);
  m.status = static_cast<unsigned>(uint_field(o, "status", 0, 999));
  if (m.status != 0 && (m.status < 200 || m.status > 599)) m.status = 500;  // a 1xx would break framing
  m.message = string_field(o, "message", "");
  if (auto const* ra = o.if_contains("retry_after")) {
    if (ra->is_string())
      m.retry_after = ra->get_string();
    else if (ra->is_number())
      append_uint(m.retry_after, uint_field(o, "retry_after", 0, max_delay_ms));
  }
  m.reset = bool_field(o, "reset");
  m.stall = bool_field(o, "stall");
  if (o.contains("die_after")) m.die_after = uint_field(o, "die_after", 0, max_chunks);
  if (o.contains("end_after")) m.end_after = uint_field(o, "end_after", 0, max_chunks);
  if (o.contains("stall_after")) m.stall_after = uint_field(o, "stall_after", 0, max_chunks);
  m.malformed = bool_field(o, "malformed");
  m.hold = string_field(o, "hold", {});
  m.hold_after = uint_field(o, "hold_after", 1, max_chunks);
  m.stamp = bool_field(o, "stamp");
  return m;
}

// ---------------------------------------------------------------------------------------------
// shared state

// requests waiting for POST /mock/release/KEY. a waiter parks on a timer that never expires;
// release posts the cancel to the waiter's own (single-threaded) io_context, so it cannot run
// before the waiter is actually suspended in async_wait.
class hold_registry {
 public:
  awaitable<void> wait(std::string const& key) {
    auto timer =
        std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    {
      std::lock_guard lock(mu_);
      if (released_.contains(key)) co_return;
      waiting_.emplace(key, timer);
    }
    co_await timer->async_wait(use_tuple);
  }

  // returns how many waiting requests were woken
  std::size_t release(std::string key) {
    std::vector<std::shared_ptr<asio::steady_timer>> wake;
    {
      std::lock_guard lock(mu_);
      auto [first, last] = waiting_.equal_range(key);
      for (auto it = first; it != last; ++it) wake.push_back(std::move(it->second));
      waiting_.erase(first, last);
      released_.insert(std::move(key));
    }
    for (auto& t : wake) asio::post(t->get_executor(), [t] { t->cancel(); });
    return wake.size();
  }

  void forget_released() {
    std::lock_guard lock(mu_);
    released_.clear();
  }

  // drops the registry's timers; call once the io_contexts have stopped, before they are destroyed
  void clear() {
    std::lock_guard lock(mu_);
    waiting_.clear();
  }

 private:
  std::mutex mu_;
  std::unordered_set<std::string> released_;
  std::unordered_multimap<std::string, std::shared_ptr<asio::steady_timer>> waiting_;
};

struct mock_state {
  std::vector<std::string> models_;
  std::string models_json_;  // GET /v1/models body, built once
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> open_{0};  // connections not yet closed
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> generations_{0};
  std::atomic<std::uint64_t> next_id_{1};
  hold_registry holds_;

  std::string required_key_;  // --require-key; empty: any

  explicit mock_state(std::vector<std::string> models) : models_(std::move(models)) {
    models_json_ = R"({"object":"list","data":[)";
    for (std::size_t i = 0; i < models_.size(); ++i) {
      models_json_ += i ? R"(,{"id":)" : R"({"id":)";
      append_json_string(models_json_, models_[i]);
      models_json_ += R"(,"object":"model","created":1700000000,"owned_by":"mock"})";
    }
    models_json_ += "]}";
  }

  // keeps the request for GET /mock/last; the previous one is freed outside the lock
  void record(request_t&& req) {
    std::optional<request_t> fresh(std::move(req));
    std::lock_guard lock(last_mu_);
    last_.swap(fresh);
  }

  // empty when nothing was recorded
  std::string last_json() {
    std::lock_guard lock(last_mu_);
    if (!last_) return {};
    json::object headers;
    for (auto const& f : *last_) {
      std::string name(f.name_string());
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto [it, inserted] = headers.emplace(name, f.value());
      if (!inserted) {  // repeated header: join like a proxy would
        auto& s = it->value().as_string();
        s.append(", ");
        s.append(f.value());
      }
    }
    json::object o;
    o["method"] = last_->method_string();
    o["target"] = last_->target();
    o["headers"] = std::move(headers);
    o["body"] = last_->body();
    return json::serialize(o);
  }

  // the bytes of the last generation response (GET /mock/sent); `bytes` gets the previous ones
  void record_sent(std::string& bytes, unsigned status) {
    std::lock_guard lock(sent_mu_);
    sent_.swap(bytes);
    sent_status_ = status;
    has_sent_ = true;
  }

  // false when nothing was recorded
  bool sent(std::string& bytes, unsigned& status) {
    std::lock_guard lock(sent_mu_);
    bytes = sent_;
    status = sent_status_;
    return has_sent_;
  }

  void set_faults(std::string faults) {
    std::lock_guard lock(faults_mu_);
    faults_.swap(faults);
  }

  std::string faults() {
    std::lock_guard lock(faults_mu_);
    return faults_;
  }

  void reset() {
    connections_ = 0;
    requests_ = 0;
    generations_ = 0;
    holds_.forget_released();
    set_faults({});
    {
      std::string none;
      std::lock_guard lock(sent_mu_);
      sent_.swap(none);
      sent_status_ = 0;
      has_sent_ = false;
    }
    std::optional<request_t> old;
    std::lock_guard lock(last_mu_);
    last_.swap(old);
  }

 private:
  std::mutex last_mu_;
  std::optional<request_t> last_;
  std::mutex sent_mu_;
  std::string sent_;
  unsigned sent_status_ = 0;
  bool has_sent_ = false;
  std::mutex faults_mu_;
  std::string faults_;  // serialized JSON object; empty: none
};

// ---------------------------------------------------------------------------------------------
// connection and writes

struct connection {
  explicit connection(socket_t s) : sock_(std::move(s)) {}
  socket_t sock_;
  beast::flat_buffer in_;
  std::string head_;   // response header
  std::string body_;   // response body; while streaming, the fixed start of every event
  std::string event_;  // one SSE event
  std::string torn_;   // scratch for a torn write
  std::string sent_;   // body bytes written for the current request (up to max_sent_kept)
  unsigned sent_status_ = 0;
  bool tear_ = false;          // the current request asked for utf8: write torn
  bool publish_sent_ = false;  // the current request's sent_ goes to GET /mock/sent when it ends
  alignas(16) std::array<unsigned char, 16384> json_buf_;  // backs each request's parsed body

  void note_sent(std::string_view bytes) {
    if (sent_.size() < max_sent_kept) sent_.append(bytes.substr(0, max_sent_kept - sent_.size()));
  }
};

// hands what the current request wrote to GET /mock/sent, once; before a wait that only the
// peer's close ends, so a test that asks next sees it
void publish_sent(mock_state& st, connection& c) {
  if (!c.publish_sent_) return;
  c.publish_sent_ = false;
  st.record_sent(c.sent_, c.sent_status_);
}

struct reply_style {
  bool keep_alive;
  bool http10;
};

// what the session does after a reply
enum class next { keep, close, gone };

// content_length empty: the body is streamed (chunked, or until close for HTTP/1.0)
void append_head(std::string& out, unsigned status, reply_style x, std::string_view type,
                 std::optional<std::size_t> content_length, std::string_view extra = {}) {
  out.clear();
  out += "HTTP/1.1 ";
  append_uint(out, status);
  out += ' ';
  out += reason_of(status);
  out += "\r\nContent-Type: ";
  out += type;
  out += "\r\n";
  if (content_length) {
    out += "Content-Length: ";
    append_uint(out, *content_length);
    out += "\r\n";
  } else if (!x.http10) {
    out += "Transfer-Encoding: chunked\r\n";
  }
  if (!x.keep_alive)
    out += "Connection: close\r\n";
  else if (x.http10)
    out += "Connection: keep-alive\r\n";
  out += extra;
  out += "\r\n";
}

awaitable<void> sleep_ms(std::uint64_t ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(use_tuple);
}

// writes c.torn_ in pieces torn_gap_ms apart, cut right after the lead byte of every multi-byte
// UTF-8 sequence and between two newlines in a row (the end of an SSE event)
awaitable<bool> write_torn(connection& c) {
  std::string_view all = c.torn_;
  std::size_t from = 0;
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    bool const lead = static_cast<unsigned char>(all[i]) >= 0xC0;
    if (!lead && !(all[i] == '\n' && all[i + 1] == '\n')) continue;
    auto [ec, n] = co_await asio::async_write(c.sock_, asio::buffer(all.substr(from, i + 1 - from)), use_tuple);
    if (ec) co_return false;
    from = i + 1;
    co_await sleep_ms(torn_gap_ms);
  }
  auto [ec, n] = co_await asio::async_write(c.sock_, asio::buffer(all.substr(from)), use_tuple);
  co_return !ec;
}

// sends c.body_ as a JSON response
awaitable<next> send(connection& c, reply_style x, unsigned status, std::string_view extra = {},
                     std::string_view type = "application/json") {
  append_head(c.head_, status, x, type, c.body_.size(), extra);
  c.sent_status_ = status;
  c.note_sent(c.body_);
  beast::error_code ec;
  if (c.tear_) {
    c.torn_.assign(c.head_);
    c.torn_ += c.body_;
    if (!co_await write_torn(c)) ec = asio::error::broken_pipe;
  } else {
    std::array<asio::const_buffer, 2> bufs{asio::buffer(c.head_), asio::buffer(c.body_)};
    std::tie(ec, std::ignore) = co_await asio::async_write(c.sock_, bufs, use_tuple);
  }
  co_return ec ? next::gone : x.keep_alive ? next::keep : next::close;
}

awaitable<next> send_error(connection& c, reply_style x, unsigned status, std::string_view message,
                           std::string_view extra = {}) {
  error_body(c.body_, message, error_type_of(status));
  co_return co_await send(c, x, status, extra);
}

// one SSE event (c.event_) per write, so a proxy sees each one as it is produced;
// `last` also ends the chunked body in the same write
awaitable<bool> write_event(connection& c, bool chunked, bool last = false) {
  c.note_sent(c.event_);
  if (c.tear_) {
    c.torn_.clear();
    if (chunked) {
      char size_line[20];
      auto r = std::to_chars(size_line, size_line + 16, c.event_.size(), 16);
      c.torn_.append(size_line, r.ptr);
      c.torn_ += "\r\n";
    }
    c.torn_ += c.event_;
    if (chunked) c.torn_ += last ? "\r\n0\r\n\r\n" : "\r\n";
    co_return co_await write_torn(c);
  }
  if (!chunked) {
    auto [ec, n] = co_await asio::async_write(c.sock_, asio::buffer(c.event_), use_tuple);
    co_return !ec;
  }
  char size_line[20];
  auto r = std::to_chars(size_line, size_line + 16, c.event_.size(), 16);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  std::string_view tail = last ? "\r\n0\r\n\r\n" : "\r\n";
  std::array<asio::const_buffer, 3> bufs{asio::buffer(size_line, r.ptr - size_line), asio::buffer(c.event_),
                                         asio::buffer(tail.data(), tail.size())};
  auto [ec, n] = co_await asio::async_write(c.sock_, bufs, use_tuple);
  co_return !ec;
}

void abort_with_rst(connection& c) {
  beast::error_code ec;
  c.sock_.set_option(asio::socket_base::linger(true, 0), ec);
  c.sock_.close(ec);
}

// reads and discards until the peer closes (or the socket fails)
awaitable<void> drain(connection& c) {
  std::array<char, 1024> sink;
  for (;;) {
    auto [ec, n] = co_await c.sock_.async_read_some(asio::buffer(sink), use_tuple);
    if (ec) co_return;
  }
}

// ---------------------------------------------------------------------------------------------
// generation endpoints

enum class api { models, chat, completions, embeddings, none };

// writes `{"id":"<prefix><id>","object":..,"created":..,"model":..` (object left open)
void append_object_head(std::string& out, bool chat, std::uint64_t id, std::string_view object, std::uint64_t created,
                        std::string_view model) {
  out += chat ? R"({"id":"chatcmpl-mock-)" : R"({"id":"cmpl-mock-)";
  append_uint(out, id);
  out += R"(","object":")";
  out += object;
  out += R"(","created":)";
  append_uint(out, created);
  out += R"(,"model":)";
  append_json_string(out, model);
}

void append_usage(std::string& out, std::uint64_t prompt, std::uint64_t completion) {
  out += R"(,"usage":{"prompt_tokens":)";
  append_uint(out, prompt);
  out += R"(,"completion_tokens":)";
  append_uint(out, completion);
  out += R"(,"total_tokens":)";
  append_uint(out, prompt + completion);
  out += '}';
}

struct generation {
  bool chat;
  std::string_view model;
  std::uint64_t id;
  std::uint64_t created;
  std::uint64_t prompt_tokens;
  bool include_usage;
};

awaitable<next> stream_generation(mock_state& st, connection& c, reply_style x, generation const& g,
                                  mock_controls const& m) {
  if (x.http10) x.keep_alive = false;  // no chunked encoding: the body ends at close
  bool const chunked = !x.http10;
  append_head(c.head_, 200, x, "text/event-stream", std::nullopt, "Cache-Control: no-cache\r\n");
  if (auto [ec, n] = co_await asio::async_write(c.sock_, asio::buffer(c.head_), use_tuple); ec) co_return next::gone;
  c.sent_status_ = 200;

  c.body_.clear();
  append_object_head(c.body_, g.chat, g.id, g.chat ? "chat.completion.chunk" : "text_completion", g.created, g.model);
  std::uint64_t const hold_at = std::min(m.hold_after, m.chunks);
  std::uint64_t const die_at = std::min(m.die_after.value_or(0), m.chunks);
  std::uint64_t const stall_at = std::min(m.stall_after.value_or(0), m.chunks);
  std::uint64_t const end_at = std::min(m.end_after.value_or(0), m.chunks);

  for (std::uint64_t i = 0;; ++i) {
    if (i > 0 && m.chunk_delay_ms) co_await sleep_ms(m.chunk_delay_ms);
    if (!m.hold.empty() && i == hold_at) co_await st.holds_.wait(m.hold);
    if (m.die_after && i == die_at) {
      abort_with_rst(c);
      co_return next::gone;
    }
    if (m.end_after && i == end_at) {
      if (!chunked) co_return next::close;
      auto [ec, n] = co_await asio::async_write(c.sock_, asio::buffer("0\r\n\r\n", 5), use_tuple);
      if (ec) co_return next::gone;
      co_return x.keep_alive ? next::keep : next::close;
    }
    if (m.stall_after && i == stall_at) {
      publish_sent(st, c);
      co_await drain(c);
      co_return next::gone;
    }
    if (i == m.chunks) break;
    c.event_.assign("data: ");
    c.event_ += c.body_;
    c.event_ += !g.chat  ? R"(,"choices":[{"index":0,"text":)"
                : i == 0 ? R"(,"choices":[{"index":0,"delta":{"role":"assistant","content":)"
                         : R"(,"choices":[{"index":0,"delta":{"content":)";
    if (m.utf8) {
      append_json_string(c.event_, utf8_pieces[i % utf8_pieces.size()]);
    } else {
      c.event_ += R"("tok)";
      append_uint(c.event_, i);
      c.event_ += R"( ")";
    }
    c.event_ += g.chat ? R"(},"logprobs":null,"finish_reason":null}])" : R"(,"logprobs":null,"finish_reason":null}])";
    if (m.stamp) {
      c.event_ += R"(,"t_ns":)";
      append_uint(c.event_, steady_ns());
    }
    c.event_ += "}\n\n";
    if (!co_await write_event(c, chunked)) co_return next::gone;
    if (m.malformed && i == 0) {
      c.event_.assign("data: {not json\n\n");
      if (!co_await write_event(c, chunked)) co_return next::gone;
    }
  }
  if (m.malformed && m.chunks == 0) {
    c.event_.assign("data: {not json\n\n");
    if (!co_await write_event(c, chunked)) co_return next::gone;
  }

  c.event_.assign("data: ");
  c.event_ += c.body_;
  if (g.chat) {
    c.event_ += m.chunks == 0 ? R"(,"choices":[{"index":0,"delta":{"role":"assistant"},)"
                              : R"(,"choices":[{"index":0,"delta":{},)";
    c.event_ += R"("logprobs":null,"finish_reason":"stop"}]})"
                "\n\n";
  } else {
    c.event_ += R"(,"choices":[{"index":0,"text":"","logprobs":null,"finish_reason":"stop"}]})"
                "\n\n";
  }
  if (!co_await write_event(c, chunked)) co_return next::gone;

  if (g.include_usage) {
    c.event_.assign("data: ");
    c.event_ += c.body_;
    c.event_ += R"(,"choices":[])";
    append_usage(c.event_, g.prompt_tokens, m.chunks);
    c.event_ += "}\n\n";
    if (!co_await write_event(c, chunked)) co_return next::gone;
  }

  c.event_.assign("data: [DONE]\n\n");
  if (!co_await write_event(c, chunked, true)) co_return next::gone;
  co_return x.keep_alive ? next::keep : next::close;
}

awaitable<next> serve_generation(mock_state& st, connection& c, reply_style x, json::object const& req,
                                 mock_controls const& m, bool chat) {
  generation g{
      .chat = chat,
      .model = string_field(req, "model", st.models_.front()),
      .id = st.next_id_.fetch_add(1, std::memory_order_relaxed),
      .created = unix_now(),
      .prompt_tokens = chat ? count_message_words(req) : count_prompt_words(req),
      .include_usage = false,
  };
  if (bool_field(req, "stream")) {
    if (auto const* so = req.if_contains("stream_options"); so && so->is_object())
      g.include_usage = bool_field(so->get_object(), "include_usage");
    co_return co_await stream_generation(st, c, x, g, m);
  }

  if (!m.hold.empty()) co_await st.holds_.wait(m.hold);
  if (m.malformed) {
    c.body_.assign(R"({"id": "broken)");
    co_return co_await send(c, x, 200);
  }
  c.body_.clear();
  append_object_head(c.body_, chat, g.id, chat ? "chat.completion" : "text_completion", g.created, g.model);
  c.body_ +=
      chat ? R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)" : R"(,"choices":[{"index":0,"text":)";
  append_json_string(c.body_, m.content);
  c.body_ += chat ? R"(},"logprobs":null,"finish_reason":"stop"}])" : R"(,"logprobs":null,"finish_reason":"stop"}])";
  append_usage(c.body_, g.prompt_tokens, count_words(m.content));
  c.body_ += '}';
  if (m.die_after) {  // the header and half the body, then a reset
    append_head(c.head_, 200, x, "application/json", c.body_.size());
    c.sent_status_ = 200;
    c.body_.resize(c.body_.size() / 2);
    c.note_sent(c.body_);
    std::array<asio::const_buffer, 2> bufs{asio::buffer(c.head_), asio::buffer(c.body_)};
    co_await asio::async_write(c.sock_, bufs, use_tuple);
    abort_with_rst(c);
    co_return next::gone;
  }
  co_return co_await send(c, x, 200);
}

awaitable<next> serve_embeddings(mock_state& st, connection& c, reply_style x, json::object const& req,
                                 mock_controls const& m) {
  auto const* input = req.if_contains("input");
  if (!input || !(input->is_string() || input->is_array()))
    co_return co_await send_error(c, x, 400, "'input' must be a string or an array");
  if (!m.hold.empty()) co_await st.holds_.wait(m.hold);
  if (m.malformed) {
    c.body_.assign(R"({"id": "broken)");
    co_return co_await send(c, x, 200);
  }

  c.body_.assign(R"({"object":"list","data":[)");
  std::uint64_t tokens = 0;
  std::size_t index = 0;
  std::string scratch;
  auto add = [&](json::value const& v) {
    std::string_view text;
    if (v.is_string()) {
      text = v.get_string();
      tokens += count_words(text);
    } else {  // token ids, or anything else: hash its serialization
      scratch = json::serialize(v);
      text = scratch;
      tokens += v.is_array() ? v.get_array().size() : 1;
    }
    c.body_ += index ? R"(,{"object":"embedding","index":)" : R"({"object":"embedding","index":)";
    append_uint(c.body_, index++);
    c.body_ += R"(,"embedding":)";
    append_embedding(c.body_, text);
    c.body_ += '}';
  };
  auto const* arr = input->if_array();
  bool const one_token_list =
      arr && !arr->empty() && std::all_of(arr->begin(), arr->end(), [](json::value const& v) { return v.is_number(); });
  if (!arr || one_token_list)
    add(*input);
  else
    for (auto const& v : *arr) add(v);

  c.body_ += R"(],"model":)";
  append_json_string(c.body_, string_field(req, "model", st.models_.back()));
  c.body_ += R"(,"usage":{"prompt_tokens":)";
  append_uint(c.body_, tokens);
  c.body_ += R"(,"total_tokens":)";
  append_uint(c.body_, tokens);
  c.body_ += "}}";
  co_return co_await send(c, x, 200);
}

// ---------------------------------------------------------------------------------------------
// routing

api api_of(std::string_view path) {
  if (path == "/v1/models") return api::models;
  if (path == "/v1/chat/completions") return api::chat;
  if (path == "/v1/completions") return api::completions;
  if (path == "/v1/embeddings") return api::embeddings;
  return api::none;
}

awaitable<next> serve_mock(mock_state& st, connection& c, reply_style x, http::verb method, std::string_view path,
                           std::string_view body) {
  constexpr std::string_view release_prefix = "/mock/release/";
  if (path == "/mock/last" || path == "/mock/stats" || path == "/mock/sent") {
    if (method != http::verb::get) co_return co_await send_error(c, x, 405, "use GET", "Allow: GET\r\n");
    if (path == "/mock/stats") {
      c.body_.assign(R"({"connections":)");
      append_uint(c.body_, st.connections_.load());
      c.body_ += R"(,"open":)";
      append_uint(c.body_, st.open_.load());
      c.body_ += R"(,"requests":)";
      append_uint(c.body_, st.requests_.load());
      c.body_ += R"(,"generations":)";
      append_uint(c.body_, st.generations_.load());
      c.body_ += '}';
      co_return co_await send(c, x, 200);
    }
    if (path == "/mock/sent") {
      unsigned status = 0;
      if (!st.sent(c.body_, status)) co_return co_await send_error(c, x, 404, "no response recorded yet");
      std::string extra = "X-Mock-Status: ";
      append_uint(extra, status);
      extra += "\r\n";
      co_return co_await send(c, x, 200, extra, "application/octet-stream");
    }
    c.body_ = st.last_json();
    if (c.body_.empty()) co_return co_await send_error(c, x, 404, "no request recorded yet");
    co_return co_await send(c, x, 200);
  }
  bool const release = path.starts_with(release_prefix);
  if (path != "/mock/reset" && path != "/mock/faults" && !release)
    co_return co_await send_error(c, x, 404, "unknown mock endpoint");
  if (method != http::verb::post) co_return co_await send_error(c, x, 405, "use POST", "Allow: POST\r\n");
  if (path == "/mock/faults") {
    json::error_code jec;
    json::value faults = json::parse(body, jec);
    if (jec || !faults.is_object()) co_return co_await send_error(c, x, 400, "the faults must be a JSON object");
    st.set_faults(faults.get_object().empty() ? std::string() : json::serialize(faults));
    c.body_.assign(R"({"faults":)");
    c.body_ += json::serialize(faults);
    c.body_ += '}';
    co_return co_await send(c, x, 200);
  }
  if (!release) {
    st.reset();
    c.body_.assign(R"({"reset":true})");
    co_return co_await send(c, x, 200);
  }
  std::string key(path.substr(release_prefix.size()));
  if (key.empty()) co_return co_await send_error(c, x, 400, "missing release key");
  c.body_.assign(R"({"released":)");
  append_json_string(c.body_, key);
  c.body_ += R"(,"woken":)";
  append_uint(c.body_, st.holds_.release(std::move(key)));
  c.body_ += '}';
  co_return co_await send(c, x, 200);
}

awaitable<next> dispatch(mock_state& st, connection& c, request_t req) {
  reply_style x{req.keep_alive(), req.version() < 11};
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  c.tear_ = false;
  c.publish_sent_ = false;
  c.sent_.clear();
  c.sent_status_ = 0;
  if (path.starts_with("/mock/")) co_return co_await serve_mock(st, c, x, req.method(), path, req.body());

  st.requests_.fetch_add(1, std::memory_order_relaxed);
  if (!st.required_key_.empty()) {
    std::string_view auth = req[http::field::authorization];
    std::string_view presented = auth.starts_with("Bearer ") ? auth.substr(7) : auth;
    if (presented != st.required_key_) {
      std::string msg = "Incorrect API key provided: ";
      msg += presented;
      msg += ". You can find your API key at https://platform.openai.com/account/api-keys.";
      co_return co_await send_error(c, x, 401, msg);
    }
  }
  api const route = api_of(path);
  http::verb const method = req.method();
  bool const wants_body = route != api::models && route != api::none && method == http::verb::post;
  json::monotonic_resource mr(c.json_buf_.data(), c.json_buf_.size());
  json::error_code jec;
  json::value body;
  if (wants_body) body = json::parse(req.body(), jec, &mr);
  c.publish_sent_ = wants_body;
  if (wants_body) st.generations_.fetch_add(1, std::memory_order_relaxed);
  // model listings (a gateway's refreshes and health checks) would race a test's look at what it sent
  if (route != api::models) st.record(std::move(req));  // `target` and `path` may dangle from here on

  if (route == api::none) co_return co_await send_error(c, x, 404, "Unknown request URL. Please check the URL.");
  if (route == api::models) {
    if (method != http::verb::get) co_return co_await send_error(c, x, 405, "use GET", "Allow: GET\r\n");
    c.body_ = st.models_json_;
    co_return co_await send(c, x, 200);
  }
  if (method != http::verb::post) co_return co_await send_error(c, x, 405, "use POST", "Allow: POST\r\n");
  if (jec) {
    std::string msg = "We could not parse the JSON body of your request. (" + jec.message() + ")";
    co_return co_await send_error(c, x, 400, msg);
  }
  if (!body.is_object()) co_return co_await send_error(c, x, 400, "the request body must be a JSON object");

  json::object const& obj = body.get_object();
  json::value faults;  // set with POST /mock/faults; used only by requests without a "mock" object
  auto const* controls = obj.if_contains("mock");
  if (!controls) {
    if (auto text = st.faults(); !text.empty()) {
      faults = json::parse(text, jec, &mr);
      controls = &faults;
    }
  }
  mock_controls const m = read_controls(controls);
  c.tear_ = m.utf8;
  if (m.delay_ms) co_await sleep_ms(m.delay_ms);
  if (m.reset) {
    abort_with_rst(c);
    co_return next::gone;
  }
  if (m.stall) {
    publish_sent(st, c);
    co_await drain(c);
    co_return next::gone;
  }
  if (m.status) {
    std::string msg = "mock failure ";
    append_uint(msg, m.status);
    if (!m.message.empty()) msg = m.message;
    std::string extra;
    if (!m.retry_after.empty()) extra = "Retry-After: " + m.retry_after + "\r\n";
    co_return co_await send_error(c, x, m.status, msg, extra);
  }
  if (route == api::embeddings) co_return co_await serve_embeddings(st, c, x, obj, m);
  co_return co_await serve_generation(st, c, x, obj, m, route == api::chat);
}

// answers a request that could not be parsed; false when the error needs no answer
bool bad_request_status(beast::error_code ec, unsigned& status) {
  if (ec.category() != http::make_error_code(http::error::bad_target).category()) return false;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return false;
  status = ec == http::error::body_limit ? 413 : ec == http::error::header_limit ? 431 : 400;
  return true;
}

awaitable<void> session(mock_state& st, socket_t sock) {
  connection c(std::move(sock));
  st.open_.fetch_add(1, std::memory_order_relaxed);
  struct closed {
    mock_state& st;
    ~closed() { st.open_.fetch_sub(1, std::memory_order_relaxed); }
  } on_exit{st};
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(max_body_bytes);
    beast::error_code ec;
    std::tie(ec, std::ignore) = co_await http::async_read_header(c.sock_, c.in_, parser, use_tuple);
    if (!ec && !parser.is_done()) {
      auto const expect = parser.get()[http::field::expect];
      if (beast::iequals(expect, "100-continue")) {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(c.sock_, asio::buffer("HTTP/1.1 100 Continue\r\n\r\n", 25), use_tuple);
      }
      if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(c.sock_, c.in_, parser, use_tuple);
    }
    if (ec) {
      unsigned status = 0;
      if (bad_request_status(ec, status)) co_await send_error(c, {false, false}, status, ec.message());
      break;
    }
    next n = co_await dispatch(st, c, parser.release());
    publish_sent(st, c);
    if (n == next::gone) co_return;
    if (n == next::close) break;
  }
  beast::error_code ec;
  c.sock_.shutdown(tcp::socket::shutdown_send, ec);
  c.sock_.close(ec);
}

// ---------------------------------------------------------------------------------------------
// startup

using context_list = std::vector<std::unique_ptr<asio::io_context>>;

awaitable<void> accept_loop(mock_state& st, tcp::acceptor acceptor, context_list& contexts) {
  std::size_t turn = 0;
  for (;;) {
    auto& ctx = *contexts[turn++ % contexts.size()];
    auto [ec, sock] = co_await acceptor.async_accept(ctx, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      co_await sleep_ms(10);  // e.g. out of descriptors: back off rather than spin
      continue;
    }
    st.connections_.fetch_add(1, std::memory_order_relaxed);
    sock.set_option(tcp::no_delay(true), ec);
    auto ex = sock.get_executor();
    asio::co_spawn(ex, session(st, std::move(sock)), asio::detached);
  }
}

struct options {
  std::string host = "127.0.0.1";
  unsigned port = 0;
  unsigned threads = 1;
  std::vector<std::string> models{"mock-chat", "mock-embed"};
  std::string required_key;
};

std::optional<options> parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc && arg != "--help" && arg != "-h") {
      value = argv[++i];
    }
    auto number = [&](unsigned& out, unsigned lo, unsigned hi) {
      auto r = std::from_chars(value.data(), value.data() + value.size(), out);
      return r.ec == std::errc{} && r.ptr == value.data() + value.size() && out >= lo && out <= hi;
    };
    if (arg == "--host" && !value.empty()) {
      o.host = value;
    } else if (arg == "--port" && number(o.port, 0, 65535)) {
    } else if (arg == "--threads" && number(o.threads, 1, 256)) {
    } else if (arg == "--require-key" && !value.empty()) {
      o.required_key = value;
    } else if (arg == "--models" && !value.empty()) {
      o.models.clear();
      for (std::size_t start = 0; start <= value.size();) {
        auto end = std::min(value.find(',', start), value.size());
        if (end > start) o.models.emplace_back(value.substr(start, end - start));
        start = end + 1;
      }
      if (o.models.empty()) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parse_options(argc, argv);
  if (!opt) {
    std::cerr << "usage: mock-openai [--host 127.0.0.1] [--port 0] [--threads 1] [--models mock-chat,mock-embed] "
                 "[--require-key KEY]\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);

  mock_state st(opt->models);
  st.required_key_ = opt->required_key;
  context_list contexts;
  for (unsigned i = 0; i < opt->threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  auto& main_ctx = *contexts.front();

  tcp::acceptor acceptor(main_ctx);
  tcp::endpoint bound;
  try {
    tcp::resolver resolver(main_ctx);
    auto endpoint = resolver.resolve(opt->host, std::to_string(opt->port), tcp::resolver::passive)->endpoint();
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    bound = acceptor.local_endpoint();
  } catch (boost::system::system_error const& e) {
    std::cerr << "mock-openai: cannot listen on " << opt->host << ":" << opt->port << ": " << e.code().message()
              << "\n";
    return 1;
  }
  auto const addr = bound.address();
  std::cout << "listening on " << (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) << ":"
            << bound.port() << "\n"
            << std::flush;

  asio::signal_set signals(main_ctx, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    for (auto& ctx : contexts) ctx->stop();
  });
  asio::co_spawn(main_ctx, accept_loop(st, std::move(acceptor), contexts), asio::detached);

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& ctx : contexts) guards.push_back(asio::make_work_guard(*ctx));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts.size(); ++i) threads.emplace_back([&ctx = *contexts[i]] { ctx.run(); });
  main_ctx.run();
  for (auto& t : threads) t.join();

  // connection coroutines die with their io_context (declared before, so destroyed after, the
  // objects above); the registry's timers must not outlive it
  st.holds_.clear();
  return 0;
}
