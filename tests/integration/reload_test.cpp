// Hot reload: SIGHUP and POST /api/config/reload swap the configuration; an invalid file is
// refused and the running configuration stays.
#include <signal.h>

#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway_harness.h"

using namespace sy::test;
using testing::HasSubstr;

namespace {

std::string config_with(const mock_upstream& mock, const std::string& alias, const std::string& key) {
  return "server:\n  api_keys: [{ key: " + key + ", role: admin }]\nbackends:\n  - name: mock\n    url: " + mock.url() +
         "\naliases:\n  " + alias + ": mock/mock-chat\n";
}

unsigned chat(unsigned short port, const std::string& model, const std::string& key) {
  return http_request(port, "POST", "/v1/chat/completions", R"({"model":")" + model + R"(","messages":[]})",
                      {{"authorization", "Bearer " + key}})
      .status;
}

}  // namespace

TEST(reload, sighup_swaps_aliases_and_keys) {
  mock_upstream mock;
  gateway_process gw(config_with(mock, "first", "key-1"), &mock);
  ASSERT_TRUE(gw.started()) << gw.process().output();
  EXPECT_EQ(chat(gw.port(), "first", "key-1"), 200u);

  write_file(gw.config_path(), config_with(mock, "second", "key-2"));
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for(std::regex("configuration reloaded \\(SIGHUP\\)"), std::chrono::seconds(5)))
      << gw.process().output();
  EXPECT_EQ(chat(gw.port(), "second", "key-2"), 200u);
  EXPECT_EQ(chat(gw.port(), "second", "key-1"), 401u);  // the old key no longer works
  EXPECT_EQ(chat(gw.port(), "first", "key-2"), 404u);
}

TEST(reload, invalid_file_is_refused_and_the_running_config_stays) {
  mock_upstream mock;
  gateway_process gw(config_with(mock, "first", "key-1"), &mock);
  ASSERT_TRUE(gw.started());
  write_file(gw.config_path(), "backends:\n  - name: mock\n    url: ftp://nope\n");
  auto r = http_request(gw.port(), "POST", "/api/config/reload", "", {{"authorization", "Bearer key-1"}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("http:// or https://"));
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for(std::regex("reload \\(SIGHUP\\) refused"), std::chrono::seconds(5)));
  EXPECT_EQ(chat(gw.port(), "first", "key-1"), 200u);
  // the admin API needs a key like the rest
  EXPECT_EQ(http_request(gw.port(), "POST", "/api/config/reload").status, 401u);
  write_file(gw.config_path(), config_with(mock, "third", "key-1"));
  r = http_request(gw.port(), "POST", "/api/config/reload", "", {{"authorization", "Bearer key-1"}});
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(chat(gw.port(), "third", "key-1"), 200u);
}

TEST(reload, in_flight_requests_finish_on_the_config_they_started_with) {
  mock_upstream mock;
  gateway_process gw(config_with(mock, "first", "key-1"), &mock);
  ASSERT_TRUE(gw.started());
  http_connection c(gw.port());
  auto head = c.start("POST", "/v1/chat/completions",
                      R"({"model":"first","stream":true,"messages":[],"mock":{"chunks":3,"hold":"r1"}})",
                      {{"authorization", "Bearer key-1"}});
  ASSERT_EQ(head.status, 200u);
  c.read_until("tok0 ");
  write_file(gw.config_path(), "backends: []\n");  // the backend the stream uses is gone
  gw.process().signal(SIGHUP);
  ASSERT_TRUE(gw.process().wait_for(std::regex("configuration reloaded"), std::chrono::seconds(5)));
  mock.release("r1");
  EXPECT_THAT(c.read_until("[DONE]"), HasSubstr("tok2 "));
  EXPECT_EQ(chat(gw.port(), "first", "key-1"), 404u);  // keys are gone too: a new request sees the new config
}

TEST(reload, editing_the_file_reloads_it) {
  mock_upstream mock;
  gateway_process gw(config_with(mock, "first", "key-1"), &mock);
  ASSERT_TRUE(gw.started());
  // written the way editors do: a new file renamed over the old one
  write_file(gw.config_path() + ".tmp", config_with(mock, "edited", "key-1"));
  std::rename((gw.config_path() + ".tmp").c_str(), gw.config_path().c_str());
  ASSERT_TRUE(gw.process().wait_for(std::regex("configuration reloaded \\(file changed\\)"), std::chrono::seconds(5)))
      << gw.process().output();
  EXPECT_EQ(chat(gw.port(), "edited", "key-1"), 200u);
}

// A file caught between its truncation and its write (an editor saving, a script writing) is
// empty for a moment: a reload that reads it then must not replace the running configuration
// with nothing (the soak test saw every model answer 404 for 600 ms).
TEST(reload, an_empty_file_never_replaces_a_running_configuration) {
  mock_upstream mock;
  gateway_process gw(config_with(mock, "first", "key-1"), &mock);
  ASSERT_TRUE(gw.started());
  write_file(gw.config_path(), "\n# being written\n");
  auto r = http_request(gw.port(), "POST", "/api/config/reload", "", {{"authorization", "Bearer key-1"}});
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("the file is empty"));
  EXPECT_EQ(chat(gw.port(), "first", "key-1"), 200u);
  write_file(gw.config_path(), config_with(mock, "second", "key-1"));  // the write completes
  r = http_request(gw.port(), "POST", "/api/config/reload", "", {{"authorization", "Bearer key-1"}});
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(chat(gw.port(), "second", "key-1"), 200u);
}
