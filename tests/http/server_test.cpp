#include "http/server.h"

#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/reply.h"
#include "http_client.h"

using namespace sy;

namespace {

// A server on port 0 whose handler throws on /throw (before answering) and on /throw-late
// (after answering), and answers "ok" elsewhere. Records what it reports as refused.
struct throwing_server {
  std::mutex mutex;
  std::vector<std::pair<std::string, unsigned>> refused;  // request id, status
  http::server srv;
  unsigned short port;

  throwing_server()
      : srv(options(),
            [](http::exchange& ex) -> http::net::awaitable<void> {
              if (ex.req.target() == "/throw") throw std::runtime_error("boom");
              auto res = http::json_response(ex, 200, "\"ok\"");
              co_await http::send(ex, res);
              if (ex.req.target() == "/throw-late") throw std::runtime_error("boom after the answer");
            }),
        port(srv.start()) {}
  ~throwing_server() {
    srv.drain(std::chrono::seconds(1));
    srv.wait();
  }

  http::server_options options() {
    http::server_options o;
    o.port = 0;
    o.on_refused = [this](const http::refused_request& r) {
      std::lock_guard lock(mutex);
      refused.emplace_back(std::string(r.request_id), r.status);
    };
    return o;
  }
};

}  // namespace

TEST(server, a_handler_that_throws_before_answering_gets_a_500_naming_the_request) {
  throwing_server s;
  test::http_connection c(s.port);
  auto res = c.request("GET", "/throw", "", {{"x-request-id", "req-abc-123"}});
  EXPECT_EQ(res.status, 500u);
  EXPECT_EQ(res.header("x-request-id"), "req-abc-123");
  EXPECT_NE(res.body.find("req-abc-123"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("internal_error"), std::string::npos) << res.body;
  EXPECT_TRUE(c.closed_by_peer());
  std::lock_guard lock(s.mutex);
  ASSERT_EQ(s.refused.size(), 1u);  // the access log hears of it
  EXPECT_EQ(s.refused[0].first, "req-abc-123");
  EXPECT_EQ(s.refused[0].second, 500u);
}

TEST(server, a_handler_that_throws_after_answering_only_closes_the_connection) {
  throwing_server s;
  test::http_connection c(s.port);
  auto res = c.request("GET", "/throw-late");
  EXPECT_EQ(res.status, 200u);  // what was sent stands; nothing is written after it
  EXPECT_EQ(res.body, "\"ok\"");
  EXPECT_TRUE(c.closed_by_peer());
  std::lock_guard lock(s.mutex);
  EXPECT_TRUE(s.refused.empty());  // the handler logged its own answer
}

TEST(server, the_server_keeps_serving_after_a_handler_threw) {
  throwing_server s;
  EXPECT_EQ(test::http_request(s.port, "GET", "/throw").status, 500u);
  EXPECT_EQ(test::http_request(s.port, "GET", "/fine").status, 200u);
}
