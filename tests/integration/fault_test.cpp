// Fault injection: the real switchyard binary against mock upstreams that misbehave on request
// (latency, refused connections, resets, stalls, streams that die, 429/503 with every kind of
// Retry-After, malformed JSON and SSE, SSE torn inside UTF-8 sequences).
//
// Every scenario runs against a plain backend id (a/mock-chat) and a route with two targets
// (pair: a then b, where only a misbehaves), streaming and not, many times over; each request must
// end in exactly one visible terminal state:
//   complete  2xx; a JSON body that parses, or a stream whose last event is [DONE], sent only when
//             the upstream sent it; what the client got is what the upstream sent;
//   error     non-2xx with an error JSON body, or a 200 stream whose last event is an error object
//             after a prefix of the upstream's events (and no [DONE]).
// A failure before the first byte on the route must fail over: the client sees b's answer.
// Afterwards the gateway holds no more descriptors, and the mocks see no more open connections,
// than its pools account for; it is still running.
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "gateway_harness.h"

namespace json = boost::json;
using namespace sy::test;
using namespace std::chrono_literals;

namespace {

// bounds its pools: one idle connection per worker thread and upstream, and one more on the first
// worker for the gateway's own health checks (GET /models) that may overlap a request there
constexpr unsigned gateway_threads = 2;
constexpr unsigned pooled_per_upstream = gateway_threads + 1;
// "héllo wörld ✓ 日本 🙂", as mock-openai's utf8 control writes it
constexpr std::string_view utf8_text =
    "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82";

// A TCP port nothing listens on: bound once, then released.
unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::size_t open_fds(pid_t pid) {
  std::size_t n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (auto* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

// An IMF-fixdate `seconds` from now, as a Retry-After date.
std::string http_date_in(int seconds) {
  std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

std::optional<json::value> parse(std::string_view s) {
  json::error_code ec;
  auto v = json::parse(s, ec);
  if (ec) return std::nullopt;
  return v;
}

// The data of each SSE event in `body`; `rest` gets what follows the last whole event.
std::vector<std::string> sse_events(std::string_view body, std::string* rest = nullptr) {
  std::vector<std::string> events;
  for (;;) {
    auto end = body.find("\n\n");
    if (end == std::string_view::npos) break;
    std::string_view block = body.substr(0, end);
    std::string data;
    bool any = false;
    while (!block.empty()) {
      auto nl = block.find('\n');
      auto line = block.substr(0, nl);
      if (line.starts_with("data:")) {
        line.remove_prefix(5);
        if (line.starts_with(' ')) line.remove_prefix(1);
        if (any) data += '\n';
        data += line;
        any = true;
      }
      block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
    }
    if (any) events.push_back(std::move(data));
    body.remove_prefix(end + 2);
  }
  if (rest) *rest = std::string(body);
  return events;
}

bool is_error_event(const std::string& data) {
  auto v = parse(data);
  return v && v->is_object() && v->as_object().contains("error");
}

// What an event says, without what a relay may legitimately rewrite (ids, model names):
// content, finish reason and usage of a chunk; the text itself of anything that is not JSON.
std::string digest(const std::string& data) {
  if (data == "[DONE]") return data;
  auto v = parse(data);
  if (!v || !v->is_object()) return "raw:" + data;
  const auto& o = v->as_object();
  if (o.contains("error")) return "error";
  std::string out = "chunk";
  if (const auto* choices = o.if_contains("choices"); choices && choices->is_array()) {
    for (const auto& c : choices->as_array()) {
      if (!c.is_object()) continue;
      const auto& co = c.as_object();
      if (const auto* d = co.if_contains("delta"); d && d->is_object())
        if (const auto* t = d->as_object().if_contains("content"); t && t->is_string())
          out += "|content=" + std::string(t->as_string());
      if (const auto* f = co.if_contains("finish_reason"); f && f->is_string())
        out += "|finish=" + std::string(f->as_string());
    }
  }
  if (o.contains("usage") && !o.at("usage").is_null()) out += "|usage";
  return out;
}

std::string stream_text(const std::vector<std::string>& events) {
  std::string text;
  for (const auto& e : events) {
    auto d = digest(e);
    for (auto at = d.find("|content="); at != std::string::npos; at = d.find("|content=", at + 1)) {
      auto end = d.find('|', at + 1);
      text += d.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9);
    }
  }
  return text;
}

std::optional<std::string> message_text(const std::string& body) {
  auto v = parse(body);
  if (!v || !v->is_object()) return std::nullopt;
  const auto* choices = v->as_object().if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty()) return std::nullopt;
  const auto* msg = choices->as_array()[0].as_object().if_contains("message");
  if (!msg || !msg->is_object()) return std::nullopt;
  const auto* content = msg->as_object().if_contains("content");
  if (!content || !content->is_string()) return std::nullopt;
  return std::string(content->as_string());
}

enum class ending { complete, error };

std::string to_string(ending e) {
  return e == ending::complete ? "complete" : "error";
}

// What the client received for one request.
struct received {
  unsigned status = 0;
  std::string content_type, backend, retry_after;
  std::string body;
  std::string transport_error;  // non-empty: the response could not be read to its end
};

// What a mock wrote for its last generation request (GET /mock/sent).
struct upstream_sent {
  unsigned status = 0;  // 0: nothing (a reset, a stall, no request)
  std::string body;
};

// Exactly one visible terminal state, consistent with what the upstream sent. On success `got`
// says which.
testing::AssertionResult one_terminal_state(const received& r, bool stream, const upstream_sent& up, ending& got) {
  if (!r.transport_error.empty())
    return testing::AssertionFailure() << "no terminal state: the response broke off (" << r.transport_error
                                       << ") after " << r.body.size() << " bytes: " << r.body.substr(0, 300);
  if (r.status < 200 || r.status >= 300) {
    auto v = parse(r.body);
    const json::value* err = v && v->is_object() ? v->as_object().if_contains("error") : nullptr;
    if (!err || !err->is_object() || !err->as_object().contains("message") ||
        !err->as_object().at("message").is_string())
      return testing::AssertionFailure() << "HTTP " << r.status << " without an error JSON body: " << r.body;
    if (r.body.find("[DONE]") != std::string::npos)
      return testing::AssertionFailure() << "an error answer that mentions [DONE]: " << r.body;
    got = ending::error;
    return testing::AssertionSuccess();
  }

  if (!stream) {
    auto v = parse(r.body);
    if (!v || !v->is_object() || v->as_object().contains("error") || !v->as_object().contains("choices"))
      return testing::AssertionFailure() << "HTTP " << r.status << " with a body that is no completion: " << r.body;
    auto mine = message_text(r.body), theirs = message_text(up.body);
    if (up.status != r.status || !mine || mine != theirs)
      return testing::AssertionFailure() << "the answer is not the upstream's: client got " << r.body
                                         << "\nupstream (HTTP " << up.status << ") sent " << up.body;
    got = ending::complete;
    return testing::AssertionSuccess();
  }

  if (r.content_type.find("text/event-stream") == std::string::npos)
    return testing::AssertionFailure() << "a 2xx stream answered as " << r.content_type << ": " << r.body;
  std::string rest;
  auto events = sse_events(r.body, &rest);
  if (!rest.empty()) return testing::AssertionFailure() << "the stream ends inside an event: '" << rest << "'";
  std::size_t done = 0, errors = 0;
  for (const auto& e : events) {
    done += e == "[DONE]";
    errors += is_error_event(e);
  }
  auto upstream_events = sse_events(up.body);
  const bool upstream_done =
      std::find(upstream_events.begin(), upstream_events.end(), "[DONE]") != upstream_events.end();
  if (done + errors != 1 || events.empty() || !(events.back() == "[DONE]" || is_error_event(events.back())))
    return testing::AssertionFailure() << "not exactly one terminal event at the end (" << done << " [DONE], " << errors
                                       << " errors): " << r.body;
  if (done == 1 && !upstream_done)
    return testing::AssertionFailure() << "a fabricated [DONE]: the upstream sent none. client: " << r.body
                                       << "\nupstream: " << up.body;
  // the client's events (but a final error of the gateway's own) are the upstream's, in order
  const std::size_t relayed = errors == 1 ? events.size() - 1 : events.size();
  if (relayed > upstream_events.size())
    return testing::AssertionFailure() << "more events than the upstream sent. client: " << r.body
                                       << "\nupstream: " << up.body;
  for (std::size_t i = 0; i < relayed; ++i)
    if (digest(events[i]) != digest(upstream_events[i]))
      return testing::AssertionFailure() << "event " << i << " is not the upstream's: '" << events[i] << "' vs '"
                                         << upstream_events[i] << "'";
  if (done == 1 && relayed != upstream_events.size())
    return testing::AssertionFailure() << "complete, but " << upstream_events.size() - relayed
                                       << " of the upstream's events are missing";
  got = done == 1 ? ending::complete : ending::error;
  return testing::AssertionSuccess();
}

// What one mode of a scenario must end in.
struct expect {
  ending end = ending::complete;
  unsigned status = 0;  // the HTTP status when not 0 (an error event comes with 200)
  std::string backend;  // the backend that answers, when not empty
};

enum class mode { stream, json };

// A fault and what each of the four combinations must end in. The fault goes into the request's
// "mock" object for the plain backend, and into mock a's standing faults for the route (the route
// sends one body to both targets; only a must misbehave).
struct scenario {
  std::string fault;  // a "mock" object ("" for none)
  int reps = 20;
  std::optional<expect> plain_stream, plain_json, route_stream, route_json;  // unset: not run
  std::string plain_model = "a/mock-chat", route_model = "pair";
  std::string text_stream, text_json;  // when set: the exact text of every complete answer from a
  bool reuses_connections = false;     // the fault leaves the upstream connection reusable
};

const char* config_template = R"(
server:
  threads: {THREADS}
  access_log: false
upstream:
  first_byte_timeout: {TIMEOUT}
  read_idle_timeout: {TIMEOUT}
router:
  breaker: {BREAKER}
  health: { interval: 0s }  # passive behaviour only: a standing fault would fail the model-list probes too
backends:
  - { name: a, type: openai, url: "{A}", list_models: false }
  - { name: b, type: openai, url: "{B}", list_models: false }
  - { name: dead, type: openai, url: "http://127.0.0.1:{DEAD}/v1", list_models: false }
routes:
  - { model: pair, targets: [a/mock-chat, b/mock-chat] }
  - { model: dead-pair, targets: [dead/mock-chat, b/mock-chat] }
)";

// breakers that never open on their own: the scenarios see every fault reach the upstream
const char* inert_breaker = "{ consecutive_failures: 1000000, min_requests: 1000000, failure_rate: 100 }";

struct fault_test : testing::Test {
  mock_upstream a, b;
  std::unique_ptr<gateway_process> gw;
  std::size_t baseline_fds = 0;

  void start(const std::string& timeout = "10s", const std::string& breaker = inert_breaker) {
    std::string yaml = config_template;
    replace_all(yaml, "{THREADS}", std::to_string(gateway_threads));
    replace_all(yaml, "{TIMEOUT}", timeout);
    replace_all(yaml, "{BREAKER}", breaker);
    replace_all(yaml, "{A}", a.url());
    replace_all(yaml, "{B}", b.url());
    replace_all(yaml, "{DEAD}", std::to_string(free_port()));
    gw = std::make_unique<gateway_process>(yaml, nullptr);
    ASSERT_TRUE(gw->started()) << gw->process().output();
    // warm up: the pools hold what they will hold; then count descriptors
    for (const char* model : {"a/mock-chat", "b/mock-chat", "pair"})
      for (bool stream : {false, true}) ASSERT_EQ(send(model, stream).status, 200u) << model;
    baseline_fds = stable_fds();
  }

  void TearDown() override {
    if (gw) {
      EXPECT_FALSE(gw->process().wait_exit(0ms).has_value()) << "the gateway exited:\n" << gw->process().output();
    }
  }

  // one keep-alive connection per mock for the test's own questions, so that the mock's counts
  // of connections are the gateway's (plus this one)
  std::map<unsigned short, std::unique_ptr<http_connection>> controls_;
  response control(const mock_upstream& m, const std::string& method, const std::string& target,
                   const std::string& body = "") {
    auto& c = controls_[m.port()];
    if (!c) c = std::make_unique<http_connection>(m.port());
    return c->request(method, target, body);
  }

  void set_faults(const mock_upstream& m, const std::string& fault) {
    auto r = control(m, "POST", "/mock/faults", fault.empty() ? "{}" : fault);
    ASSERT_EQ(r.status, 200u) << r.body;
  }

  std::uint64_t stat(const mock_upstream& m, const char* key) {
    auto r = control(m, "GET", "/mock/stats");
    return json::parse(r.body).at(key).to_number<std::uint64_t>();
  }

  upstream_sent sent_by(const mock_upstream& m) {
    auto r = control(m, "GET", "/mock/sent");
    upstream_sent s;
    if (r.status != 200) return s;
    s.status = static_cast<unsigned>(std::stoul(r.header("x-mock-status")));
    s.body = std::move(r.body);
    return s;
  }

  received send(const std::string& model, bool stream, const std::string& fault = "") {
    std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}],"stream":)" +
                       (stream ? "true" : "false") + (fault.empty() ? "" : R"(,"mock":)" + fault) + "}";
    received r;
    try {
      http_connection c(gw->port());
      auto head = c.start("POST", "/v1/chat/completions", body);
      r.status = head.status;
      r.content_type = head.header("content-type");
      r.backend = head.header("x-switchyard-backend");
      r.retry_after = head.header("retry-after");
      try {
        for (;;) {
          auto piece = c.read_piece();
          if (piece.empty() && c.done()) break;
          r.body += piece;
        }
      } catch (const std::exception& e) {
        r.transport_error = e.what();
      }
    } catch (const std::exception& e) {
      r.transport_error = std::string("no response head: ") + e.what();
    }
    return r;
  }

  // The gateway's descriptors once closes have landed: waits (up to 3 s) for the count to drop to
  // `at_most`, then returns it.
  std::size_t settled_fds(std::size_t at_most) {
    std::size_t n = open_fds(gw->process().pid());
    for (int i = 0; i < 150 && n > at_most; ++i) {
      std::this_thread::sleep_for(20ms);
      n = open_fds(gw->process().pid());
    }
    return n;
  }

  // The gateway's descriptors once the count has stopped moving.
  std::size_t stable_fds() {
    std::size_t n = open_fds(gw->process().pid());
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(40ms);
      auto again = open_fds(gw->process().pid());
      if (again == n) break;
      n = again;
    }
    return n;
  }

  std::uint64_t settled_open(const mock_upstream& m, std::uint64_t at_most) {
    auto n = stat(m, "open");
    for (int i = 0; i < 150 && n > at_most; ++i) {
      std::this_thread::sleep_for(20ms);
      n = stat(m, "open");
    }
    return n;
  }

  // Runs every combination of `s` s.reps times, checking each request; then the leak checks.
  void run(const scenario& s) {
    ASSERT_TRUE(gw) << "start() first";
    const auto connections_before = stat(a, "connections");
    int requests = 0;
    for (bool route : {false, true}) {
      if (route) set_faults(a, s.fault);
      for (mode m : {mode::stream, mode::json}) {
        const bool stream = m == mode::stream;
        const auto& want = route ? (stream ? s.route_stream : s.route_json) : (stream ? s.plain_stream : s.plain_json);
        if (!want) continue;
        const std::string label = std::string(route ? "route " : "plain ") + (stream ? "stream" : "json");
        for (int rep = 0; rep < s.reps; ++rep) {
          SCOPED_TRACE(label + " #" + std::to_string(rep));
          auto r = route ? send(s.route_model, stream) : send(s.plain_model, stream, s.fault);
          ++requests;
          upstream_sent up;
          if (r.status >= 200 && r.status < 300) up = sent_by(r.backend == "b" ? b : a);
          ending got{};
          auto terminal = one_terminal_state(r, stream, up, got);
          EXPECT_TRUE(terminal);
          if (!terminal) break;  // one report per combination is enough
          EXPECT_EQ(to_string(got), to_string(want->end)) << r.status << " " << r.body;
          if (want->status) {
            EXPECT_EQ(r.status, want->status) << r.body;
          }
          if (!want->backend.empty()) {
            EXPECT_EQ(r.backend, want->backend) << r.body;
          }
          const auto& text = stream ? s.text_stream : s.text_json;
          if (!text.empty() && got == ending::complete && r.backend == "a") {
            EXPECT_EQ(stream ? stream_text(sse_events(r.body)) : message_text(r.body).value_or("<none>"), text);
          }
          if (testing::Test::HasFailure() && rep > 0) break;
        }
      }
      if (route) set_faults(a, "");
    }

    // no leaks: what is left open is what the pools may keep (one per worker thread and upstream),
    // not something per request
    const std::size_t slack = pooled_per_upstream * 2 + 2;
    auto fds = settled_fds(baseline_fds + slack);
    RecordProperty("gateway_fds", std::to_string(baseline_fds) + " -> " + std::to_string(fds) + " after " +
                                      std::to_string(requests) + " requests");
    EXPECT_LE(fds, baseline_fds + slack) << "descriptors: " << baseline_fds << " after warm-up, " << fds << " after "
                                         << requests << " requests";
    // each mock: the pooled connections, plus the one asking
    EXPECT_LE(settled_open(a, pooled_per_upstream + 1), pooled_per_upstream + 1) << "connections left open on a";
    EXPECT_LE(settled_open(b, pooled_per_upstream + 1), pooled_per_upstream + 1) << "connections left open on b";
    if (s.reuses_connections) {
      EXPECT_LE(stat(a, "connections") - connections_before, 2u * pooled_per_upstream)
          << "a new upstream connection per request, for " << requests << " requests";
    }
  }
};

expect complete_from(std::string backend) {
  return {ending::complete, 200, std::move(backend)};
}
expect error_status(unsigned status) {
  return {ending::error, status, ""};
}
// a 200 stream that ends in an error event, after what `backend` sent
expect error_event_from(std::string backend) {
  return {ending::error, 200, std::move(backend)};
}

}  // namespace

TEST_F(fault_test, latency_in_the_head_and_between_chunks_still_completes) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.fault = R"({"delay_ms":40,"chunks":4,"chunk_delay_ms":20})";
  s.reps = 4;
  s.plain_stream = s.plain_json = s.route_stream = s.route_json = complete_from("a");
  s.text_stream = "tok0 tok1 tok2 tok3 ";
  s.text_json = "Hello from mock";
  s.reuses_connections = true;
  run(s);
}

TEST_F(fault_test, refused_connection_fails_over_before_the_first_byte) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.plain_model = "dead/mock-chat";
  s.route_model = "dead-pair";
  s.plain_stream = s.plain_json = error_status(502);
  s.route_stream = s.route_json = complete_from("b");
  run(s);
}

TEST_F(fault_test, reset_before_the_head_fails_over) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.fault = R"({"reset":true})";
  s.plain_stream = s.plain_json = error_status(502);
  s.route_stream = s.route_json = complete_from("b");
  run(s);
}

TEST_F(fault_test, stall_before_the_head_times_out_and_fails_over) {
  ASSERT_NO_FATAL_FAILURE(start("250ms"));
  scenario s;
  s.fault = R"({"stall":true})";
  s.reps = 3;
  s.plain_stream = s.plain_json = error_status(504);
  s.route_stream = s.route_json = complete_from("b");
  run(s);
}

TEST_F(fault_test, stall_mid_stream_ends_with_an_error_event) {
  ASSERT_NO_FATAL_FAILURE(start("250ms"));
  scenario s;
  s.fault = R"({"chunks":5,"stall_after":2})";
  s.reps = 3;
  s.plain_stream = s.route_stream = error_event_from("a");  // the head went out: no failover
  run(s);
}

TEST_F(fault_test, death_mid_stream_ends_with_an_error_event_and_no_done) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.fault = R"({"chunks":5,"die_after":2})";
  s.plain_stream = s.route_stream = error_event_from("a");
  s.plain_json = error_status(502);   // half a body, then a reset
  s.route_json = complete_from("b");  // nothing reached the client yet
  run(s);
}

// The upstream's body ends cleanly (its last chunk) after two content events, with no finish
// event and no [DONE]: a clean HTTP end is not a clean stream end. (The gateway used to relay it
// as it was: the client saw the stream end with no terminal event at all.)
TEST_F(fault_test, a_clean_end_without_done_or_finish_ends_with_an_error_event) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.fault = R"({"chunks":5,"end_after":2})";
  s.reps = 10;
  s.plain_stream = s.route_stream = error_event_from("a");  // the head went out: no failover
  s.plain_json = s.route_json = complete_from("a");         // the fault is the stream's only
  run(s);
}

TEST_F(fault_test, death_right_after_the_head) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.fault = R"({"chunks":5,"die_after":0})";
  s.reps = 10;
  s.plain_stream = s.route_stream = error_event_from("a");
  run(s);
}

namespace {

// 429 and 503 with a Retry-After: passed through on a plain backend; on a route, the other
// target answers and a waits out the pause it asked for (a garbage value asks for nothing)
enum class retry_after_kind { seconds, date, garbage };

struct retry_after_case {
  unsigned status;
  retry_after_kind kind;
};

const char* to_string(retry_after_kind k) {
  return k == retry_after_kind::seconds ? "seconds" : k == retry_after_kind::date ? "date" : "garbage";
}

void PrintTo(const retry_after_case& c, std::ostream* os) {
  *os << c.status << " with Retry-After as " << to_string(c.kind);
}

}  // namespace

struct retry_after_test : fault_test, testing::WithParamInterface<retry_after_case> {};

TEST_P(retry_after_test, is_passed_through_or_waited_out_never_trusted_blindly) {
  const auto& c = GetParam();
  ASSERT_NO_FATAL_FAILURE(start());
  // a sensible pause (5 s) is waited out: a gets no more requests while it lasts
  const bool honoured = c.kind != retry_after_kind::garbage;
  const std::string value = c.kind == retry_after_kind::seconds ? "5"
                            : c.kind == retry_after_kind::date  ? http_date_in(5)
                            : c.status == 429                   ? "soon, maybe"
                                                                : "-1; garbage";
  scenario s;
  json::object fault{{"status", c.status}, {"retry_after", value}};
  s.fault = json::serialize(fault);
  s.reps = 10;
  // a plain backend: 429 passes through, a 5xx becomes the gateway's 502
  s.plain_stream = s.plain_json = error_status(c.status == 429 ? 429 : 502);
  s.route_stream = s.route_json = complete_from("b");
  s.reuses_connections = true;

  // the plain half first, to see the header
  auto r = send("a/mock-chat", false, s.fault);
  EXPECT_EQ(r.status, c.status == 429 ? 429u : 502u) << r.body;
  if (honoured) {
    EXPECT_EQ(r.retry_after, value) << "the upstream's Retry-After is passed on";
  }

  const auto before = stat(a, "generations");
  run(s);
  const auto plain_requests = 2u * s.reps;
  const auto route_requests_seen_by_a = stat(a, "generations") - before - plain_requests;
  if (honoured) {
    EXPECT_EQ(route_requests_seen_by_a, 1u) << "a is paused after its first answer (" << route_requests_seen_by_a
                                            << " of " << 2 * s.reps << " route requests went to a)";
  } else {
    EXPECT_EQ(route_requests_seen_by_a, 2u * s.reps) << "a garbage Retry-After pauses nothing";
  }
}

INSTANTIATE_TEST_SUITE_P(
    fault, retry_after_test,
    testing::Values(retry_after_case{429, retry_after_kind::seconds}, retry_after_case{429, retry_after_kind::date},
                    retry_after_case{429, retry_after_kind::garbage}, retry_after_case{503, retry_after_kind::seconds},
                    retry_after_case{503, retry_after_kind::date}, retry_after_case{503, retry_after_kind::garbage}),
    [](const testing::TestParamInfo<retry_after_case>& p) {
      return std::to_string(p.param.status) + "_" + to_string(p.param.kind);
    });

TEST_F(fault_test, malformed_json_and_malformed_sse) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.fault = R"({"malformed":true})";
  // a broken JSON body is caught (and failed over); a broken SSE event is relayed as it came,
  // and the stream still ends with the upstream's own [DONE]
  s.plain_stream = s.route_stream = complete_from("a");
  s.plain_json = error_status(502);
  s.route_json = complete_from("b");
  run(s);
}

TEST_F(fault_test, sse_torn_inside_utf8_sequences_arrives_whole) {
  ASSERT_NO_FATAL_FAILURE(start());
  scenario s;
  s.fault = R"({"utf8":true,"chunks":5})";
  s.reps = 8;
  s.plain_stream = s.plain_json = s.route_stream = s.route_json = complete_from("a");
  s.text_stream = std::string("h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82 ");
  s.text_json = std::string(utf8_text);
  s.reuses_connections = true;
  run(s);
}

namespace {

int circuit_state(unsigned short port, const std::string& target) {
  auto metrics = http_request(port, "GET", "/metrics").body;
  auto key = "switchyard_target_circuit_state{target=\"" + target + "\"} ";
  auto at = metrics.find(key);
  return at == std::string::npos ? -1 : std::stoi(metrics.substr(at + key.size()));
}

}  // namespace

TEST_F(fault_test, breaker_opens_after_consecutive_failures_and_recovers_after_its_pause) {
  ASSERT_NO_FATAL_FAILURE(
      start("10s", "{ consecutive_failures: 3, open_base: 1s, open_max: 10s, probes: 1, close_after: 2 }"));
  const auto requests = [&] { return stat(a, "generations"); };
  auto ask = [&](const char* backend) {
    auto r = send("pair", false);
    ending got{};
    EXPECT_TRUE(one_terminal_state(r, false, sent_by(r.backend == "b" ? b : a), got));
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.backend, backend);
  };
  EXPECT_EQ(circuit_state(gw->port(), "a/mock-chat"), 0);

  set_faults(a, R"({"status":500})");
  auto sent_to_a = requests();
  for (int i = 0; i < 3; ++i) ask("b");  // each fails on a, then b answers
  EXPECT_EQ(requests() - sent_to_a, 3u);
  EXPECT_EQ(circuit_state(gw->port(), "a/mock-chat"), 2) << "open after 3 failures in a row";
  for (int i = 0; i < 3; ++i) ask("b");  // open: a is skipped
  EXPECT_EQ(requests() - sent_to_a, 3u);

  // after the pause one probe goes through; it fails, so the circuit opens again for longer
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(circuit_state(gw->port(), "a/mock-chat"), 1) << "half-open after open_base";
  ask("b");
  EXPECT_EQ(requests() - sent_to_a, 4u);
  EXPECT_EQ(circuit_state(gw->port(), "a/mock-chat"), 2) << "a failed probe reopens it";
  std::this_thread::sleep_for(1100ms);
  ask("b");  // the second pause is 2 s: still open
  EXPECT_EQ(requests() - sent_to_a, 4u);

  // a heals; after the (doubled) pause, two good probes close the circuit
  set_faults(a, "");
  std::this_thread::sleep_for(1000ms);
  EXPECT_EQ(circuit_state(gw->port(), "a/mock-chat"), 1);
  ask("a");
  ask("a");
  EXPECT_EQ(circuit_state(gw->port(), "a/mock-chat"), 0) << "closed after close_after good probes";
  ask("a");
  EXPECT_EQ(requests() - sent_to_a, 7u);
}

// The checker itself: each way a request can end wrongly is caught.
TEST(fault_checks, catch_fabricated_done_torn_events_double_endings_and_foreign_events) {
  const std::string ev0 = R"(data: {"choices":[{"delta":{"content":"tok0 "}}]})"
                          "\n\n";
  const std::string ev1 = R"(data: {"choices":[{"delta":{"content":"tok1 "}}]})"
                          "\n\n";
  const std::string err = R"(data: {"error":{"message":"backend 'a' failed mid-stream"}})"
                          "\n\n";
  const std::string done = "data: [DONE]\n\n";
  const upstream_sent whole{200, ev0 + ev1 + done}, died{200, ev0 + ev1};
  auto stream = [](std::string body) {
    received r;
    r.status = 200;
    r.content_type = "text/event-stream";
    r.body = std::move(body);
    return r;
  };
  ending got{};
  EXPECT_TRUE(one_terminal_state(stream(ev0 + ev1 + done), true, whole, got));
  EXPECT_EQ(got, ending::complete);
  EXPECT_TRUE(one_terminal_state(stream(ev0 + err), true, died, got));
  EXPECT_EQ(got, ending::error);
  EXPECT_FALSE(one_terminal_state(stream(ev0 + ev1 + done), true, died, got)) << "a fabricated [DONE]";
  EXPECT_FALSE(one_terminal_state(stream(ev0 + ev1), true, died, got)) << "no terminal event";
  EXPECT_FALSE(one_terminal_state(stream(ev0 + err + done), true, whole, got)) << "both endings";
  EXPECT_FALSE(one_terminal_state(stream(ev1 + err), true, died, got)) << "not a prefix";
  EXPECT_FALSE(one_terminal_state(stream(ev0 + done), true, whole, got)) << "complete, but an event is missing";
  EXPECT_FALSE(one_terminal_state(stream(ev0 + "data: {\"cho"), true, died, got)) << "a torn event";
  auto broken = stream(ev0);
  broken.transport_error = "connection reset";
  EXPECT_FALSE(one_terminal_state(broken, true, died, got)) << "no visible ending";
  received plain;
  plain.status = 502;
  plain.body = R"({"error":{"message":"backend 'a' is unreachable"}})";
  EXPECT_TRUE(one_terminal_state(plain, false, {}, got));
  plain.body = "Bad Gateway";
  EXPECT_FALSE(one_terminal_state(plain, false, {}, got)) << "an error without an error body";
  plain.status = 200;
  plain.body = R"({"choices":[{"message":{"content":"Hello"}}]})";
  EXPECT_TRUE(one_terminal_state(plain, false, {200, plain.body}, got));
  EXPECT_FALSE(one_terminal_state(plain, false, {200, R"({"choices":[{"message":{"content":"Hi"}}]})"}, got))
      << "not the upstream's answer";
}
