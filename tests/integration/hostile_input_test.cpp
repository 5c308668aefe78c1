// Hostile input (issue "Hostile input, hostile upstreams and hostile web pages"): what a web
// page, a smuggling proxy or an oversized client can make the real binary do — and what it must
// refuse, each refusal with its own status, reason and access-log line.
#include <signal.h>

#include <chrono>
#include <regex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway_fixture.h"

using namespace sy::test;
using testing::HasSubstr;
using testing::Not;

namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

struct hostile_input_test : gateway_test {
  std::int64_t generations() { return parse_object(mock.stats()).at("generations").as_int64(); }
  // The access-log line of one request id (empty when none was written).
  std::string access_line(const std::string& request_id) {
    std::string pattern = "\"request_id\":\"" + request_id + "\"";
    for (int i = 0; i < 100; ++i) {
      auto out = gw->process().output();
      if (auto at = out.find(pattern); at != std::string::npos) {
        auto begin = out.rfind('\n', at);
        auto end = out.find('\n', at);
        return out.substr(begin == std::string::npos ? 0 : begin + 1,
                          end - (begin == std::string::npos ? 0 : begin + 1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }
};

// The endpoints a page could use to spend credits, fill the disk or change the gateway.
struct endpoint {
  const char* method;
  const char* target;
  const char* body;
};
const endpoint spending_endpoints[] = {
    {"POST", "/v1/chat/completions", R"({"model":"fast","messages":[{"role":"user","content":"hi"}]})"},
    {"POST", "/v1/completions", R"({"model":"fast","prompt":"hi"})"},
    {"POST", "/v1/embeddings", R"({"model":"fast","input":"hi"})"},
    {"POST", "/v1/messages", R"({"model":"fast","max_tokens":5,"messages":[{"role":"user","content":"hi"}]})"},
    {"POST", "/v1/responses", R"({"model":"fast","input":"hi"})"},
    {"POST", "/api/chat", R"({"model":"fast","messages":[{"role":"user","content":"hi"}]})"},
    {"POST", "/api/generate", R"({"model":"fast","prompt":"hi"})"},
    {"POST", "/api/models/pull", R"({"repo":"someone/model-GGUF","file":"m.gguf"})"},
    {"POST", "/api/config/reload", ""},
    {"POST", "/api/engines/load", R"({"model":"m"})"},
    {"GET", "/api/models/inspect?repo=someone/model-GGUF&file=m.gguf", ""},
    {"GET", "/api/hub/search?q=llama", ""},
};

}  // namespace

TEST_F(hostile_input_test, pages_on_other_sites_cannot_drive_the_gateway) {
  start();
  auto before = generations();
  for (const auto& e : spending_endpoints) {
    // a "simple" cross-site request: text/plain body, no preflight
    auto r = http_request(
        gw->port(), e.method, e.target, e.body,
        {{"Origin", "https://evil.example"}, {"Content-Type", "text/plain"}, {"Sec-Fetch-Site", "cross-site"}});
    EXPECT_EQ(r.status, 403u) << e.target << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr("origin_not_allowed")) << e.target;
    EXPECT_THAT(r.body, HasSubstr("server.allowed_origins")) << e.target;
    // an <img>/<script> GET carries no Origin, only Sec-Fetch-Site
    r = http_request(gw->port(), e.method, e.target, "", {{"Sec-Fetch-Site", "cross-site"}});
    EXPECT_EQ(r.status, 403u) << e.target << ": " << r.body;
  }
  EXPECT_EQ(generations(), before) << "a cross-site request reached the upstream";

  // without an Origin, a text/plain body is still not JSON: 415 before anything is spent
  auto r =
      http_request(gw->port(), "POST", "/v1/chat/completions", chat_body("fast"), {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("application/json"));
  r = http_request(gw->port(), "POST", "/api/chat", chat_body("fast"),
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 415u) << r.body;
  EXPECT_THAT(std::string(parse_object(r.body).at("error").as_string()),
              HasSubstr("send the request body"));  // Ollama's form
  EXPECT_EQ(generations(), before);

  // same-origin pages (the dashboard), loopback pages and clients that are not browsers are served
  auto port = std::to_string(gw->port());
  EXPECT_EQ(chat("fast", "", {{"Origin", "http://127.0.0.1:" + port}, {"Sec-Fetch-Site", "same-origin"}}).status, 200u);
  EXPECT_EQ(chat("fast", "", {{"Origin", "http://localhost:3000"}, {"Sec-Fetch-Site", "same-site"}}).status, 200u);
  EXPECT_EQ(chat("fast").status, 200u);
  EXPECT_EQ(chat("fast", "", {{"Content-Type", "application/json; charset=utf-8"}}).status, 200u);
  EXPECT_EQ(http_request(gw->port(), "POST", "/api/config/reload").status, 200u);  // no body, no type: fine
}

TEST_F(hostile_input_test, allowed_origins_let_a_configured_web_app_in) {
  start(std::string("server:\n  allowed_origins: [\"https://app.example.com\", \"chrome-extension://*\"]\n") +
        std::string(basic_config).substr(28));
  EXPECT_EQ(chat("fast", "", {{"Origin", "https://app.example.com"}}).status, 200u);
  EXPECT_EQ(chat("fast", "", {{"Origin", "chrome-extension://abc"}}).status, 200u);
  EXPECT_EQ(chat("fast", "", {{"Origin", "https://app.example.com.evil.example"}}).status, 403u);
}

TEST_F(hostile_input_test, metrics_need_a_key_when_keys_are_configured_unless_told_otherwise) {
  const std::string keyed = "server:\n  api_keys: [sk-client-1]\n" + std::string(basic_config).substr(28);
  start(keyed);
  EXPECT_EQ(http_request(gw->port(), "GET", "/metrics").status, 401u);
  EXPECT_EQ(http_request(gw->port(), "GET", "/metrics", "", {{"Authorization", "Bearer sk-client-1"}}).status, 200u);
  EXPECT_EQ(http_request(gw->port(), "GET", "/health").status, 200u);  // liveness stays open
  gw.reset();
  start("server:\n  metrics_auth: false\n  api_keys: [sk-client-1]\n" + std::string(basic_config).substr(28));
  EXPECT_EQ(http_request(gw->port(), "GET", "/metrics").status, 200u);
  EXPECT_EQ(chat("fast").status, 401u);  // the rest still needs the key
}

TEST_F(hostile_input_test, request_heads_are_limited_by_max_header_bytes_not_by_a_buffer) {
  start();  // default limit: 16 KiB
  auto r = chat("fast", "", {{"Cookie", std::string(12 * 1024, 'c')}});
  EXPECT_EQ(r.status, 200u) << r.body;
  headers big;  // 100 KB (one field value of that size is more than the test client allows)
  for (int i = 0; i < 4; ++i) big.emplace_back("Cookie" + std::to_string(i), std::string(25 * 1024, 'c'));
  r = chat("fast", "", big);
  EXPECT_EQ(r.status, 431u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("max_header_bytes"));
  auto line = access_line(r.header("x-request-id"));
  EXPECT_THAT(line, HasSubstr(R"("status":431)"));
}

TEST_F(hostile_input_test, a_slow_head_gets_408_not_a_silent_close) {
  start("server:\n  header_timeout: 300ms\n" + std::string(basic_config).substr(28));
  http_connection c(gw->port());
  auto began = std::chrono::steady_clock::now();
  auto r = c.raw("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");  // never finished
  EXPECT_EQ(r.status, 408u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("request_timeout"));
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
  EXPECT_THAT(access_line(r.header("x-request-id")), HasSubstr(R"("status":408)"));
}

TEST_F(hostile_input_test, ambiguous_framings_are_refused_and_the_connection_closed) {
  start();
  {
    // Content-Length and a Transfer-Encoding that is not chunked: the next "request" is smuggled
    http_connection c(gw->port());
    auto r = c.raw(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n{}{}GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_THAT(r.body, HasSubstr("Transfer-Encoding"));
    EXPECT_TRUE(c.closed_by_peer()) << "the pipelined request was answered";
    EXPECT_THAT(access_line(r.header("x-request-id")), HasSubstr(R"("status":400)"));
  }
  {
    http_connection c(gw->port());
    auto r = c.raw("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n");
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_THAT(r.body, HasSubstr("more than one Host"));
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_EQ(chat("fast").status, 200u);
}

TEST_F(hostile_input_test, requests_pipelined_in_one_write_are_each_answered_in_order) {
  // one read brings both requests: the first is parsed from the buffer, the second stays there
  start();
  http_connection c(gw->port());
  const std::string chat_body = R"({"model":"fast","messages":[{"role":"user","content":"hi"}]})";
  auto first = c.raw(
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(chat_body.size()) + "\r\n\r\n" + chat_body + "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(first.status, 200u) << first.body;
  EXPECT_THAT(first.body, HasSubstr("ok"));
  auto second = c.raw("");
  EXPECT_EQ(second.status, 200u) << second.body;
  EXPECT_THAT(second.body, HasSubstr("chat.completion"));
  auto third = c.raw("");
  EXPECT_EQ(third.status, 200u) << third.body;
  EXPECT_THAT(third.body, HasSubstr(R"("object":"list")"));
}

TEST_F(hostile_input_test, every_refused_request_has_its_access_log_line) {
  start("server:\n  max_body_bytes: 2000\n" + std::string(basic_config).substr(28));
  // 421 (foreign Host), 413 (declared length), 400 (garbage), each findable by its request id
  auto r = chat("fast", "", {{"Host", "evil.example"}, {"x-request-id", "probe-421"}});
  EXPECT_EQ(r.status, 421u);
  EXPECT_EQ(r.header("x-request-id"), "probe-421");
  EXPECT_THAT(access_line("probe-421"), HasSubstr(R"("status":421)"));
  r = chat("fast", R"(,"pad":")" + std::string(3000, 'x') + "\"", {{"x-request-id", "probe-413"}});
  EXPECT_EQ(r.status, 413u);
  auto line = access_line("probe-413");
  EXPECT_THAT(line, HasSubstr(R"("status":413)")) << gw->process().output();
  EXPECT_THAT(line, HasSubstr(R"("path":"/v1/chat/completions")"));
  http_connection raw(gw->port());
  r = raw.raw("GARBAGE\r\n\r\n");
  EXPECT_EQ(r.status, 400u);
  ASSERT_FALSE(r.header("x-request-id").empty());
  EXPECT_THAT(access_line(r.header("x-request-id")), HasSubstr(R"("status":400)"));
  // and they are counted
  auto metrics = http_request(gw->port(), "GET", "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr(R"(switchyard_requests_refused_total{code="421"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(switchyard_requests_refused_total{code="413"} 1)"));
}

TEST_F(hostile_input_test, a_sighup_and_the_file_watcher_seeing_one_edit_reload_once) {
  start();
  std::string edited = basic_config;
  edited.replace(edited.find("aliases:\n"), 9, "aliases:\n  extra: mock/mock-chat\n");  // a new alias
  edited.replace(edited.find("{MOCK_URL}"), 10, mock.url());
  write_file(gw->config_path(), edited);
  gw->process().signal(SIGHUP);
  // one of the two reloads it; the other finds the file unchanged
  ASSERT_TRUE(gw->process().wait_for(std::regex("is unchanged"), std::chrono::seconds(10))) << gw->process().output();
  auto out = gw->process().output();
  std::regex reloaded("configuration reloaded \\(");
  EXPECT_EQ(std::distance(std::sregex_iterator(out.begin(), out.end(), reloaded), std::sregex_iterator()), 1) << out;
  EXPECT_EQ(chat("extra").status, 200u);
}

namespace {

// Canaries: where any of them shows up, a secret leaked.
const std::string url_password = "canary-url-password-7f3a9b";
const std::string backend_key = "sk-canary-backend-9c1d2e3f4a5b";
const std::string client_key = "sk-canary-client-5e6f7a8b9c0d";

std::pair<int, std::string> run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), switchyard_binary());
  child_process p(args, temp_dir() + "/cli.log");
  auto rc = p.wait_exit(std::chrono::seconds(20));
  return {rc.value_or(-1), p.output()};
}

void expect_no_canary(const std::string& text, const std::string& where) {
  for (const auto* canary : {&url_password, &backend_key, &client_key})
    EXPECT_THAT(text, Not(HasSubstr(*canary))) << where << " leaks " << *canary << ":\n" << text;
}

}  // namespace

TEST(secrets, credentials_in_a_backend_url_are_refused_without_being_printed) {
  auto dir = temp_dir();
  auto path = dir + "/config.yaml";
  write_file(path, "backends:\n  - name: creds\n    url: http://user:" + url_password + "@127.0.0.1:1/v1\n");
  auto [rc, out] = run_cli({"config", "check", path});
  EXPECT_NE(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("carries credentials"));
  expect_no_canary(out, "config check");
  std::tie(rc, out) = run_cli({"config", "show", "--config", path});
  expect_no_canary(out, "config show");
  // serve refuses it with the reason and an exit status, not an abort that prints the URL
  std::tie(rc, out) = run_cli({"serve", "--config", path, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_THAT(out, HasSubstr("carries credentials"));
  expect_no_canary(out, "serve");
}

TEST(secrets, keys_quoted_by_upstreams_never_reach_a_client_a_log_an_event_or_the_admin_api) {
  // `strict` answers the gateway's (wrong) key with OpenAI's 401 that quotes it, on every request
  // including the model listing; `echo` fails with a 500 whose body quotes the key
  mock_upstream strict({"--require-key", "sk-the-right-key-0000000000"});
  mock_upstream echo;
  http_request(echo.port(), "POST", "/mock/faults",
               R"({"status":500,"message":"upstream trace: authorization=Bearer )" + backend_key + R"("})");
  std::string config = "server:\n  api_keys: [{ key: " + client_key +
                       ", role: admin }]\nbackends:\n"
                       "  - { name: strict, url: \"" +
                       strict.url() + "\", api_key: " + backend_key +
                       " }\n"
                       "  - { name: echo, url: \"" +
                       echo.url() + "\", api_key: " + backend_key +
                       ", list_models: false }\n"
                       "aliases:\n  s: strict/mock-chat\n  e: echo/mock-chat\n";
  gateway_process gw(config, nullptr);
  ASSERT_TRUE(gw.started()) << gw.process().output();
  headers auth{{"Authorization", "Bearer " + client_key}};
  http_connection events(gw.port());
  ASSERT_EQ(events.start("GET", "/api/events", "", auth).status, 200u);

  std::vector<std::pair<std::string, response>> answers;
  for (const char* path : {"/v1/chat/completions", "/v1/messages", "/api/chat", "/v1/responses"})
    for (const char* model : {"s", "e"}) {
      std::string body = std::string(path) == "/v1/responses"
                             ? std::string(R"({"model":")") + model + R"(","input":"hi"})"
                             : std::string(R"({"model":")") + model +
                                   R"(","max_tokens":5,"stream":false,"messages":[{"role":"user","content":"hi"}]})";
      answers.emplace_back(std::string(path) + " " + model, http_request(gw.port(), "POST", path, body, auth));
    }
  for (auto& [what, r] : answers) {
    EXPECT_GE(r.status, 400u) << what;
    expect_no_canary(r.body, what);
    for (auto& [name, value] : r.headers) expect_no_canary(value, what + " header " + name);
  }
  // the listing of `strict` failed with the 401: the admin API shows why, masked
  std::string backends;
  for (int i = 0; i < 100; ++i) {
    backends = http_request(gw.port(), "GET", "/api/backends", "", auth).body;
    if (backends.find("Incorrect API key") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_THAT(backends, HasSubstr("Incorrect API key provided: ********"));
  expect_no_canary(backends, "/api/backends");
  for (const char* admin : {"/api/router", "/metrics", "/v1/models", "/api/usage"})
    expect_no_canary(http_request(gw.port(), "GET", admin, "", auth).body, admin);
  expect_no_canary(events.read_until("\"e\""), "/api/events");
  expect_no_canary(gw.process().output(), "the log");
}

TEST_F(hostile_input_test, made_up_model_names_do_not_grow_metrics_or_router_state) {
  start(R"(
backends:
  - { name: open, type: openai, url: "{MOCK_URL}", list_models: false }
)");
  auto sizes = [&] {
    return std::make_pair(http_request(gw->port(), "GET", "/metrics").body.size(),
                          http_request(gw->port(), "GET", "/api/router").body.size());
  };
  for (int i = 0; i < 10; ++i) ASSERT_EQ(chat("open/made-up-" + std::to_string(i)).status, 200u);
  auto before = sizes();
  for (int i = 10; i < 1000; ++i) ASSERT_EQ(chat("open/made-up-" + std::to_string(i)).status, 200u);
  auto after = sizes();
  EXPECT_LT(after.first, before.first + 1024) << "/metrics grew from " << before.first << " to " << after.first;
  EXPECT_LT(after.second, before.second + 1024) << "/api/router grew from " << before.second << " to " << after.second;
  EXPECT_THAT(http_request(gw->port(), "GET", "/metrics").body, HasSubstr(R"x(model="open/(other)")x"));

  // names are bounded: length and characters (a NUL would reach the x-switchyard-model header)
  auto r = chat("open/" + std::string(256 * 1024, 'n'));
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("at most 256"));
  EXPECT_LT(r.body.size(), 1024u) << "the refusal echoes the name";
  r = chat("open/bad\\u0000name");
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("control characters"));
  r = chat("open/bad\\r\\nx-injected: 1");
  EXPECT_EQ(r.status, 400u);
  EXPECT_TRUE(r.header("x-injected").empty());
}
