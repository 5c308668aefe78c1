// Integration tests: the real switchyard binary on port 0 against the mock upstream.
#include <signal.h>

#include <fstream>
#include <thread>

#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "gateway_fixture.h"

using namespace sy::test;
using testing::HasSubstr;
using testing::Not;

TEST_F(gateway_test, routes_by_id_alias_route_and_bare_name) {
  start();
  for (auto name : {"mock/mock-chat", "fast", "chat", "mock-chat"}) {
    auto r = chat(name);
    EXPECT_EQ(r.status, 200u) << name << ": " << r.body;
    EXPECT_EQ(r.header("x-switchyard-backend"), "mock");
    EXPECT_EQ(r.header("x-switchyard-model"), "mock/mock-chat");
    EXPECT_EQ(upstream_model(), "mock-chat") << name;
    EXPECT_EQ(parse_object(r.body).at("object").as_string(), "chat.completion");
  }
  // completions and embeddings take the same path
  auto c = http_request(gw->port(), "POST", "/v1/completions", R"({"model":"mock/mock-chat","prompt":"x"})");
  EXPECT_EQ(c.status, 200u);
  EXPECT_EQ(parse_object(c.body).at("object").as_string(), "text_completion");
  auto e = http_request(gw->port(), "POST", "/v1/embeddings", R"({"model":"mock/mock-embed","input":["a","b"]})");
  EXPECT_EQ(e.status, 200u);
  EXPECT_EQ(parse_object(e.body).at("data").as_array().size(), 2u);
  EXPECT_EQ(upstream_model(), "mock-embed");
}

TEST_F(gateway_test, sends_the_backend_key_never_the_clients) {
  start(std::string(basic_config) + "\n", {"--api-key", "client-key-1"});
  auto r = chat("fast", "", {{"authorization", "Bearer client-key-1"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto last = parse_object(mock.last_request());
  auto& headers = last.at("headers").as_object();
  EXPECT_EQ(headers.at("authorization").as_string(), "Bearer sk-backend-secret-0123456789");
  EXPECT_EQ(headers.at("host").as_string(), "127.0.0.1:" + std::to_string(mock.port()));
  // the secret never shows up in the gateway's own output
  EXPECT_THAT(gw->process().output(), Not(HasSubstr("sk-backend-secret")));
  EXPECT_THAT(gw->process().output(), Not(HasSubstr("client-key-1")));
}

TEST_F(gateway_test, api_keys_on_and_off) {
  start(basic_config, {"--api-key", "k-one", "--api-key", "k-two"});
  EXPECT_EQ(chat("fast").status, 401u);
  auto bad = chat("fast", "", {{"authorization", "Bearer wrong"}});
  EXPECT_EQ(bad.status, 401u);
  EXPECT_EQ(parse_object(bad.body).at("error").at("type").as_string(), "authentication_error");
  EXPECT_EQ(chat("fast", "", {{"authorization", "Bearer k-two"}}).status, 200u);
  EXPECT_EQ(chat("fast", "", {{"x-api-key", "k-one"}}).status, 200u);
  EXPECT_EQ(http_request(gw->port(), "GET", "/v1/models").status, 401u);
  EXPECT_EQ(http_request(gw->port(), "GET", "/health").status, 200u);  // health stays open

  gateway_process open(basic_config, &mock);
  ASSERT_TRUE(open.started());
  EXPECT_EQ(http_request(open.port(), "POST", "/v1/chat/completions", chat_body("fast")).status, 200u);
}

TEST_F(gateway_test, the_admin_api_answers_admin_keys_only) {
  // basic_config without its first 28 characters ("\nserver:\n  access_log: true\n")
  start("server:\n  api_keys: [sk-plain, { key: sk-ops, name: ops, role: admin }]\n" +
        std::string(basic_config).substr(28));
  using headers = std::vector<std::pair<std::string, std::string>>;
  headers plain{{"Authorization", "Bearer sk-plain"}}, ops{{"Authorization", "Bearer sk-ops"}};
  for (const char* path :
       {"/api/router", "/api/usage", "/api/requests", "/api/backends", "/api/engines", "/api/models"}) {
    EXPECT_EQ(http_request(gw->port(), "GET", path).status, 401u) << path;
    auto denied = http_request(gw->port(), "GET", path, "", plain);
    EXPECT_EQ(denied.status, 403u) << path;
    EXPECT_THAT(denied.body, HasSubstr("role: admin")) << path;
    EXPECT_EQ(http_request(gw->port(), "GET", path, "", ops).status, 200u) << path;
  }
  EXPECT_EQ(http_request(gw->port(), "POST", "/api/config/reload", "", plain).status, 403u);
  // the model APIs take either key, Ollama's under /api/ included
  EXPECT_EQ(chat("fast", "", plain).status, 200u);
  EXPECT_EQ(chat("fast", "", ops).status, 200u);
  EXPECT_EQ(http_request(gw->port(), "POST", "/api/chat", chat_body("fast"), plain).status, 200u);
  EXPECT_EQ(http_request(gw->port(), "GET", "/api/tags", "", plain).status, 200u);
}

TEST_F(gateway_test, streams_each_event_before_the_upstream_has_finished) {
  start();
  http_connection c(gw->port());
  auto head = c.start("POST", "/v1/chat/completions",
                      chat_body("chat", R"(,"stream":true,"mock":{"chunks":4,"hold":"s1","hold_after":2})"));
  ASSERT_EQ(head.status, 200u);
  EXPECT_THAT(head.header("content-type"), HasSubstr("text/event-stream"));
  // the upstream is now holding after two chunks: both must already be readable here
  auto before = c.read_until("tok1 ");
  EXPECT_THAT(before, HasSubstr("tok0 "));
  EXPECT_THAT(before, HasSubstr("tok1 "));
  EXPECT_THAT(before, Not(HasSubstr("tok2 ")));
  EXPECT_THAT(before, Not(HasSubstr("[DONE]")));
  mock.release("s1");
  auto all = c.read_until("[DONE]");
  auto p0 = all.find("tok0 "), p2 = all.find("tok2 "), p3 = all.find("tok3 "), done = all.find("data: [DONE]");
  EXPECT_LT(p0, p2);
  EXPECT_LT(p2, p3);
  EXPECT_LT(p3, done);
  EXPECT_NE(done, std::string::npos);
  // the connection stays usable
  auto again = c.request("POST", "/v1/chat/completions", chat_body("chat"));
  EXPECT_EQ(again.status, 200u);
}

TEST_F(gateway_test, bad_requests_get_clear_errors) {
  start("server:\n  max_body_bytes: 2000\n  max_header_bytes: 2048\n" + std::string(basic_config).substr(28));
  auto r = http_request(gw->port(), "POST", "/v1/chat/completions", "{not json");
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("not valid JSON"));
  r = http_request(gw->port(), "POST", "/v1/chat/completions", R"({"messages":[]})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("'model' is required"));
  r = http_request(gw->port(), "POST", "/v1/chat/completions", R"([1,2])");
  EXPECT_EQ(r.status, 400u);
  // a typo is recognised once the backend's model list is known (fetched right after start; until
  // then a name the gateway cannot check is forwarded, and the mock answers any model)
  r = chat("mock/mock-chta");
  for (int i = 0; i < 250 && r.status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = chat("mock/mock-chta");
  }
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(parse_object(r.body).at("error").at("code").as_string(), "model_not_found");
  EXPECT_THAT(r.body, HasSubstr("mock/mock-chat"));
  r = chat("fsat");
  EXPECT_EQ(r.status, 404u);
  EXPECT_THAT(r.body, HasSubstr("did you mean fast"));
  r = chat("mock/mock-chat", R"(,"pad":")" + std::string(3000, 'x') + "\"");
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(parse_object(r.body).at("error").at("code").as_string(), "body_too_large");
  r = chat("fast", "", {{"x-big", std::string(4000, 'h')}});
  EXPECT_EQ(r.status, 431u);
  r = http_request(gw->port(), "GET", "/v1/chat/completions");
  EXPECT_EQ(r.status, 405u);
  r = http_request(gw->port(), "GET", "/v2/nothing");
  EXPECT_EQ(r.status, 404u);
  http_connection raw(gw->port());
  r = raw.raw("GARBAGE\r\n\r\n");
  EXPECT_EQ(r.status, 400u);
  // DNS-rebinding guard on the loopback listener
  r = chat("fast", "", {{"host", "evil.example:8321"}});
  EXPECT_EQ(r.status, 421u);
  // still serving after all of that
  EXPECT_EQ(chat("fast").status, 200u);
}

TEST_F(gateway_test, upstream_failures_become_502_naming_the_backend) {
  start(R"(
backends:
  - name: mock
    url: {MOCK_URL}
    api_key: sk-backend-secret-0123456789
  - name: dead
    url: http://127.0.0.1:1/v1
    list_models: false
aliases:
  fast: mock/mock-chat
)");
  auto r = chat("dead/some-model");
  EXPECT_EQ(r.status, 502u);
  EXPECT_THAT(r.body, HasSubstr("backend 'dead' is unreachable"));

  r = chat("fast", R"(,"mock":{"status":500})");
  EXPECT_EQ(r.status, 502u);
  EXPECT_THAT(r.body, HasSubstr("backend 'mock' failed with HTTP 500"));

  r = chat("fast", R"(,"mock":{"reset":true})");
  EXPECT_EQ(r.status, 502u);
  EXPECT_THAT(r.body, HasSubstr("backend 'mock'"));

  r = chat("fast", R"(,"mock":{"malformed":true})");
  EXPECT_EQ(r.status, 502u);
  EXPECT_THAT(r.body, HasSubstr("malformed JSON"));

  // rate limits pass through with their hint
  r = chat("fast", R"(,"mock":{"status":429,"retry_after":"7"})");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.header("retry-after"), "7");

  // client errors from the upstream pass through as they are
  r = chat("fast", R"(,"mock":{"status":400})");
  EXPECT_EQ(r.status, 400u);

  // a 401 from the upstream is the gateway's misconfiguration, not the client's
  r = chat("fast", R"(,"mock":{"status":401})");
  EXPECT_EQ(r.status, 502u);
  EXPECT_THAT(r.body, HasSubstr("rejected the gateway's credentials"));
}

// A stream cut by its upstream ends properly, with an error event: the client's keep-alive
// connection stays usable. (The gateway used to close it after promising keep-alive in the
// head, so that clients' pools reused a dead connection and their next request failed.)
TEST_F(gateway_test, the_connection_stays_usable_after_a_stream_ends_with_an_error_event) {
  start();
  http_connection c(gw->port());
  auto cut = c.request("POST", "/v1/chat/completions", chat_body("fast", R"(,"stream":true,"mock":{"die_after":1})"));
  EXPECT_EQ(cut.status, 200u);
  EXPECT_THAT(cut.body, HasSubstr("failed mid-stream"));
  EXPECT_EQ(c.request("POST", "/v1/chat/completions", chat_body("fast")).status, 200u);
}

TEST_F(gateway_test, stalled_upstream_times_out) {
  start(std::string(basic_config) + "upstream:\n  first_byte_timeout: 300ms\n");
  auto r = chat("fast", R"(,"mock":{"stall":true})");
  EXPECT_EQ(r.status, 504u);
  EXPECT_THAT(r.body, HasSubstr("backend 'mock' timed out"));
}

TEST_F(gateway_test, stream_that_dies_ends_with_an_error_event_not_done) {
  start();
  auto r = chat("fast", R"(,"stream":true,"mock":{"chunks":5,"die_after":2})");
  EXPECT_EQ(r.status, 200u);
  EXPECT_THAT(r.body, HasSubstr("tok1 "));
  EXPECT_THAT(r.body, Not(HasSubstr("[DONE]")));
  auto last_event = r.body.substr(r.body.rfind("data: "));
  EXPECT_THAT(last_event, HasSubstr(R"("error")"));
  EXPECT_THAT(last_event, HasSubstr("backend 'mock' failed mid-stream"));
  // every event is whole: the error event is not glued to a torn one
  EXPECT_EQ(r.body.find("data: {\"error\""), r.body.rfind("data: "));
}

// An upstream whose stream body ends cleanly without [DONE] and without a finish reason: the
// client gets an explicit error event (never a clean end), and its connection stays usable.
TEST_F(gateway_test, stream_that_ends_without_its_last_event_ends_with_an_error_event) {
  start();
  http_connection c(gw->port());
  auto r = c.request("POST", "/v1/chat/completions",
                     chat_body("fast", R"(,"stream":true,"mock":{"chunks":5,"end_after":2})"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_THAT(r.body, HasSubstr("tok1 "));
  EXPECT_THAT(r.body, Not(HasSubstr("tok2 ")));
  EXPECT_THAT(r.body, Not(HasSubstr("[DONE]")));
  auto last_event = r.body.substr(r.body.rfind("data: "));
  EXPECT_EQ(last_event,
            R"(data: {"error":{"message":"backend 'mock' failed mid-stream: the upstream's stream ended before its )"
            R"(last event","type":"upstream_error","param":null,"code":"upstream_stream_error"}})"
            "\n\n");
  EXPECT_EQ(c.request("POST", "/v1/chat/completions", chat_body("fast")).status, 200u);
}

TEST_F(gateway_test, reuses_connections_both_ways) {
  start();
  http_connection c(gw->port());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.request("POST", "/v1/chat/completions", chat_body("fast")).status, 200u);
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(c.request("POST", "/v1/chat/completions", chat_body("fast", R"(,"stream":true)")).status, 200u);
  auto stats = parse_object(mock.stats());
  // the model refresher and the health checks may hold their own; requests did not open one each
  EXPECT_LE(stats.at("connections").as_int64(), 4);
  auto metrics = http_request(gw->port(), "GET", "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("switchyard_upstream_connections_reused_total"));
  EXPECT_THAT(metrics, HasSubstr("switchyard_client_connections_accepted_total"));
  EXPECT_THAT(metrics, HasSubstr(R"(switchyard_requests_total{backend="mock",model="mock/mock-chat",code="200"} 25)"));
  EXPECT_THAT(metrics, HasSubstr("switchyard_request_duration_seconds_bucket"));
}

TEST_F(gateway_test, lists_models_from_upstream_and_config) {
  start();
  // the first listing happens at start; wait for it to land
  for (int i = 0; i < 100; ++i) {
    auto r = http_request(gw->port(), "GET", "/v1/models");
    if (r.body.find("mock/mock-embed") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto r = http_request(gw->port(), "GET", "/v1/models");
  ASSERT_EQ(r.status, 200u);
  auto list = parse_object(r.body);
  EXPECT_EQ(list.at("object").as_string(), "list");
  std::vector<std::string> ids;
  for (const auto& m : list.at("data").as_array()) ids.emplace_back(m.at("id").as_string());
  EXPECT_THAT(ids, testing::IsSupersetOf({"mock/mock-chat", "mock/mock-embed", "mock/extra-model", "fast", "chat"}));
  for (const auto& m : list.at("data").as_array()) {
    if (m.at("id").as_string() == "mock/mock-chat") {
      EXPECT_EQ(m.at("owned_by").as_string(), "mock");
    }
  }
  EXPECT_EQ(http_request(gw->port(), "GET", "/v1/models/fast").status, 200u);
  EXPECT_EQ(http_request(gw->port(), "GET", "/v1/models/nope", "", {{"x-request-id", "models-nope"}}).status, 404u);
  // the access log says what was sent
  ASSERT_TRUE(
      gw->process().wait_for(std::regex(R"re("request_id":"models-nope".*"status":404)re"), std::chrono::seconds(5)))
      << gw->process().output();
}

TEST_F(gateway_test, graceful_shutdown_lets_in_flight_requests_finish) {
  start();
  http_connection c(gw->port());
  auto head = c.start("POST", "/v1/chat/completions",
                      chat_body("chat", R"(,"stream":true,"mock":{"chunks":3,"hold":"sd","hold_after":1})"));
  ASSERT_EQ(head.status, 200u);
  c.read_until("tok0 ");
  http_connection idle(gw->port());  // an idle keep-alive connection is closed by the drain
  gw->process().signal(SIGTERM);
  ASSERT_TRUE(gw->process().wait_for(std::regex("draining"), std::chrono::seconds(5)));
  EXPECT_TRUE(idle.closed_by_peer());
  mock.release("sd");
  auto all = c.read_until("[DONE]");
  EXPECT_THAT(all, HasSubstr("tok2 "));
  EXPECT_THAT(all, HasSubstr("[DONE]"));
  EXPECT_EQ(gw->process().wait_exit(std::chrono::seconds(10)), 0);
}

// Ctrl-C twice, or a supervisor's TERM then INT: the second signal lands while the background
// tasks are being stopped, which waits for the workers — stopping the workers then hung the
// process for good (five runs in six before the fix).
TEST_F(gateway_test, a_second_signal_right_after_the_first_stops_at_once) {
  for (int run = 0; run < 4; ++run) {
    gateway_process gw2(basic_config, &mock, {"--threads", "4"});
    ASSERT_TRUE(gw2.started()) << gw2.process().output();
    gw2.process().signal(SIGTERM);
    gw2.process().signal(SIGINT);
    auto code = gw2.process().wait_exit(std::chrono::seconds(5));
    ASSERT_TRUE(code.has_value()) << "run " << run << " did not exit:\n" << gw2.process().output();
    EXPECT_EQ(*code, 0) << gw2.process().output();
  }
}

TEST_F(gateway_test, refuses_to_expose_itself_without_keys) {
  gateway_process gw2(basic_config, &mock, {"--listen", "0.0.0.0:0"});
  EXPECT_FALSE(gw2.started());
  EXPECT_EQ(gw2.process().wait_exit(std::chrono::seconds(5)), 2);
  EXPECT_THAT(gw2.process().output(), HasSubstr("needs server.api_keys"));
}

TEST_F(gateway_test, access_log_has_one_json_line_per_request) {
  start();
  auto r = chat("fast", "", {{"x-request-id", "req-abc-123"}});
  EXPECT_EQ(r.header("x-request-id"), "req-abc-123");
  ASSERT_TRUE(
      gw->process().wait_for(std::regex(R"(\{[^\n]*"request_id":"req-abc-123"[^\n]*\})"), std::chrono::seconds(5)));
  auto out = gw->process().output();
  auto at = out.find("\"request_id\":\"req-abc-123\"");
  auto line_start = out.rfind('\n', at) + 1;
  auto line = out.substr(line_start, out.find('\n', at) - line_start);
  auto entry = parse_object(line);
  EXPECT_EQ(entry.at("status").as_int64(), 200);
  EXPECT_EQ(entry.at("backend").as_string(), "mock");
  EXPECT_EQ(entry.at("target").as_string(), "mock/mock-chat");
  EXPECT_EQ(entry.at("model").as_string(), "fast");
  EXPECT_TRUE(entry.contains("duration_us"));
  EXPECT_EQ(entry.at("completion_tokens").as_int64(), 3);
}

namespace {
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}
}  // namespace

TEST_F(gateway_test, slow_client_does_not_make_the_gateway_buffer) {
  start();
  const long before = rss_kib(gw->process().pid());
  http_connection c(gw->port());
  // ~20 MB of events, produced as fast as the mock can write them; the client reads nothing yet
  auto head = c.start("POST", "/v1/chat/completions", chat_body("fast", R"(,"stream":true,"mock":{"chunks":100000})"));
  ASSERT_EQ(head.status, 200u);
  long peak = before;
  for (int i = 0; i < 15; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    peak = std::max(peak, rss_kib(gw->process().pid()));
  }
  // backpressure: the stream waits in bounded buffers, not in the gateway's memory. (Under a
  // sanitizer freed memory sits in its quarantine, so RSS follows throughput: not measured.)
  if (!std::getenv("SWITCHYARD_SANITIZER"))
    EXPECT_LT(peak - before, 8 * 1024) << "RSS grew from " << before << " KiB to " << peak << " KiB";
  auto all = c.read_until("[DONE]");
  EXPECT_NE(all.find("tok99999 "), std::string::npos);
  EXPECT_GT(all.size(), 10u * 1000 * 1000);
}

TEST_F(gateway_test, idle_keep_alive_connections_are_closed_after_idle_timeout) {
  start("server:\n  idle_timeout: 300ms\n" + std::string(basic_config).substr(28));
  http_connection c(gw->port());
  ASSERT_EQ(c.request("POST", "/v1/chat/completions", chat_body("fast")).status, 200u);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());  // blocks until the server closes it (at most 5 s)
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

// Pooled upstream connections are closed once idle past pool_idle_timeout, also when no request
// asks for that upstream again (a backend a reload moved or removed): the pool must not keep
// descriptors to upstreams that are gone.
TEST_F(gateway_test, idle_upstream_connections_are_closed_after_pool_idle_timeout) {
  start(R"(
upstream: { pool_idle_timeout: 500ms, models_refresh: 1h }
router: { health: { interval: 0s } }
backends:
  - { name: mock, type: openai, url: "{MOCK_URL}" }
)");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(chat("mock/mock-chat").status, 200u);
  // the mock counts its open connections (the one of this test's own question included)
  auto open = [&] { return parse_object(mock.stats()).at("open").as_int64(); };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (open() > 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(open(), 1) << "the gateway still holds idle connections to the upstream";
}

// Routes fail over in priority order while nothing has reached the client yet.
TEST_F(gateway_test, a_route_fails_over_to_its_next_target_before_the_first_byte) {
  start(R"(
backends:
  - { name: dead, type: openai, url: "http://127.0.0.1:1/v1", list_models: false }
  - { name: mock, type: openai, url: "{MOCK_URL}", list_models: false }
  - { name: also, type: openai, url: "{MOCK_URL}", list_models: false }
routes:
  - { model: chat, targets: [dead/m1, mock/m2] }
  - { model: both, targets: [mock/m1, also/m2] }
)");
  // the first target is unreachable: the second answers, and says so
  auto r = chat("chat");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-switchyard-backend"), "mock");
  EXPECT_EQ(upstream_model(), "m2");  // the body was rewritten for the target that served it
  EXPECT_THAT(gw->process().output(), testing::HasSubstr("dead/m1 failed before answering"));
  // streaming takes the same path
  auto s = http_request(gw->port(), "POST", "/v1/chat/completions", chat_body("chat", R"(,"stream":true)"));
  EXPECT_EQ(s.status, 200u);
  EXPECT_THAT(s.body, testing::HasSubstr("data: [DONE]"));
  // every target fails (HTTP 503 from both): one answer naming both attempts
  r = chat("both", R"(,"mock":{"status":503})");
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_THAT(r.body, testing::HasSubstr("every target of 'both' failed: mock/m1: "));
  EXPECT_THAT(r.body, testing::HasSubstr("also/m2: "));
  // a rate limit moves on too; the last target's answer stands
  r = chat("both", R"(,"mock":{"status":429,"retry_after":"9"})");
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.header("retry-after"), "9");
  // ... and the Retry-After pauses both targets (their breakers honour it): no request is sent
  auto before = parse_object(mock.stats()).at("generations").as_int64();
  r = chat("both");
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_THAT(r.body, testing::HasSubstr("circuit open"));
  EXPECT_EQ(parse_object(mock.stats()).at("generations").as_int64(), before);
  // a client error is the client's: not retried elsewhere
  r = chat("chat", R"(,"mock":{"status":400})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(parse_object(mock.stats()).at("generations").as_int64(), before + 1);
}

TEST_F(gateway_test, a_round_robin_route_takes_turns_and_still_fails_over) {
  start(R"(
backends:
  - { name: a, type: openai, url: "{MOCK_URL}", list_models: false }
  - { name: b, type: openai, url: "{MOCK_URL}", list_models: false }
  - { name: dead, type: openai, url: "http://127.0.0.1:1/v1", list_models: false }
routes:
  - { model: spread, strategy: round_robin, targets: [a/m, b/m] }
  - { model: spread-dead, strategy: round_robin, targets: [dead/m, b/m] }
)");
  std::vector<std::string> served;
  for (int i = 0; i < 4; ++i) served.push_back(chat("spread").header("x-switchyard-backend"));
  EXPECT_THAT(served, testing::ElementsAre("a", "b", "a", "b"));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(chat("spread-dead").header("x-switchyard-backend"), "b");
}

TEST_F(gateway_test, least_outstanding_sends_a_request_to_the_less_busy_target) {
  start(R"(
backends:
  - { name: a, type: openai, url: "{MOCK_URL}", list_models: false }
  - { name: b, type: openai, url: "{MOCK_URL}", list_models: false }
routes:
  - { model: pick, strategy: least_outstanding, targets: [a/m, b/m] }
)");
  for (int round = 0; round < 3; ++round) {
    // one stream held open on one target: the next request goes to the other
    http_connection held(gw->port());
    auto key = "lo" + std::to_string(round);
    auto head =
        held.start("POST", "/v1/chat/completions",
                   chat_body("pick", R"(,"stream":true,"mock":{"chunks":2,"hold":")" + key + R"(","hold_after":1})"));
    ASSERT_EQ(head.status, 200u);
    auto busy = head.header("x-switchyard-backend");
    auto r = chat("pick");
    EXPECT_EQ(r.status, 200u);
    EXPECT_NE(r.header("x-switchyard-backend"), busy) << "round " << round;
    mock.release(key);
    held.read_rest();
  }
}

TEST_F(gateway_test, a_target_that_keeps_failing_is_skipped_until_its_pause_ends) {
  start(R"(
backends:
  - { name: dead, type: openai, url: "http://127.0.0.1:1/v1", list_models: false }
  - { name: mock, type: openai, url: "{MOCK_URL}", list_models: false }
routes:
  - { model: chat, targets: [dead/m1, mock/m2] }
)");
  for (int i = 0; i < 7; ++i) EXPECT_EQ(chat("chat").status, 200u);
  auto log = gw->process().output();
  std::size_t tried = 0;
  for (auto at = log.find("dead/m1 failed before answering (backend 'dead' is unreachable"); at != std::string::npos;
       at = log.find("dead/m1 failed before answering (backend 'dead' is unreachable", at + 1))
    ++tried;
  EXPECT_EQ(tried, 5u) << log;  // five in a row open the circuit; the last two skip it
  EXPECT_THAT(log, testing::HasSubstr("route target dead/m1: circuit open (5 failures in a row"));
  auto router = parse_object(http_request(gw->port(), "GET", "/api/router").body);
  const json::object* dead = nullptr;
  for (const auto& t : router.at("targets").as_array())
    if (t.at("id").as_string() == "dead/m1") dead = &t.as_object();
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ(dead->at("state").as_string(), "open");
  EXPECT_EQ(dead->at("trips").as_int64(), 1);
  EXPECT_THAT(http_request(gw->port(), "GET", "/metrics").body,
              testing::HasSubstr("switchyard_target_circuit_state{target=\"dead/m1\"} 2"));
}
