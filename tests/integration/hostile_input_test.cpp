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
        return out.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1));
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
    auto r = http_request(gw->port(), e.method, e.target, e.body,
                          {{"Origin", "https://evil.example"}, {"Content-Type", "text/plain"},
                           {"Sec-Fetch-Site", "cross-site"}});
    EXPECT_EQ(r.status, 403u) << e.target << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr("origin_not_allowed")) << e.target;
    EXPECT_THAT(r.body, HasSubstr("server.allowed_origins")) << e.target;
    // an <img>/<script> GET carries no Origin, only Sec-Fetch-Site
    r = http_request(gw->port(), e.method, e.target, "", {{"Sec-Fetch-Site", "cross-site"}});
    EXPECT_EQ(r.status, 403u) << e.target << ": " << r.body;
  }
  EXPECT_EQ(generations(), before) << "a cross-site request reached the upstream";

  // without an Origin, a text/plain body is still not JSON: 415 before anything is spent
  auto r = http_request(gw->port(), "POST", "/v1/chat/completions", chat_body("fast"), {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("application/json"));
  r = http_request(gw->port(), "POST", "/api/chat", chat_body("fast"),
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 415u) << r.body;
  EXPECT_THAT(std::string(parse_object(r.body).at("error").as_string()), HasSubstr("send the request body"));  // Ollama's form
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
