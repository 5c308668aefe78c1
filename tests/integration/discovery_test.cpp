// Zero-config discovery as a user meets it: a local OpenAI-compatible server on LM Studio's
// default port (1234) appears as a backend of a gateway that has no configuration for it, serves
// its models by their bare names, shows in `switchyard backends`, and is removed when it stops.
// Skipped when port 1234 is taken on this machine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include <boost/json.hpp>

#include "child_process.h"
#include "http_client.h"

using namespace sy::test;
using testing::HasSubstr;

namespace {

namespace json = boost::json;

// The backend named `name` in GET /api/backends, or null.
json::value find_backend(unsigned short port, const std::string& name) {
  auto r = http_request(port, "GET", "/api/backends");
  if (r.status != 200) return nullptr;
  auto all = json::parse(r.body);
  for (const auto& b : all.at("backends").as_array())
    if (b.at("name") == name.c_str()) return b;
  return nullptr;
}

// Polls until `done` holds (discovery probes every second in this test).
template <class F>
bool eventually(F&& done, std::chrono::seconds limit = std::chrono::seconds(8)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST(discovery, a_local_server_on_its_default_port_becomes_a_backend) {
  auto dir = temp_dir();
  auto lmstudio =
      std::make_unique<child_process>(std::vector<std::string>{mock_binary(), "--port", "1234"}, dir + "/lmstudio.log");
  if (!lmstudio->wait_for(std::regex("listening on 127\\.0\\.0\\.1:(1234)"), std::chrono::seconds(5)))
    GTEST_SKIP() << "port 1234 is in use here: " << lmstudio->output();

  // no backend configured at all: only discovery (tests turn it off elsewhere)
  write_file(dir + "/config.yaml", "discovery:\n  interval: 1s\n  cloud: false\n");
  child_process gw({"/usr/bin/env", "SWITCHYARD_HOME=" + dir + "/home", "SWITCHYARD_DISCOVERY=local",
                    switchyard_binary(), "serve", "--config", dir + "/config.yaml", "--listen", "127.0.0.1:0"},
                   dir + "/gateway.log");
  auto port_text = gw.wait_for(std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"), std::chrono::seconds(10));
  ASSERT_TRUE(port_text) << gw.output();
  auto port = static_cast<unsigned short>(std::stoi(*port_text));

  ASSERT_TRUE(eventually([&] {
    auto b = find_backend(port, "lmstudio");
    return b.is_object() && b.at("listing") == "ok";
  })) << gw.output();
  auto b = find_backend(port, "lmstudio");
  EXPECT_EQ(b.at("type"), "openai");
  EXPECT_EQ(b.at("url"), "http://127.0.0.1:1234/v1");
  EXPECT_EQ(b.at("source"), "found on 127.0.0.1:1234");
  EXPECT_GE(b.at("models").as_int64(), 1);
  EXPECT_THAT(gw.output(), HasSubstr("discovered lmstudio at http://127.0.0.1:1234/v1"));

  // its models answer by their bare names
  auto r = http_request(port, "POST", "/v1/chat/completions",
                        R"({"model":"mock-chat","messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-switchyard-backend"), "lmstudio");

  // `switchyard backends` (its own private gateway, which discovers the same server)
  child_process cli({"/usr/bin/env", "SWITCHYARD_HOME=" + dir + "/home", "SWITCHYARD_DISCOVERY=local",
                     switchyard_binary(), "backends", "--config", dir + "/config.yaml", "--listen", "127.0.0.1:0"},
                    dir + "/cli.log");
  ASSERT_EQ(cli.wait_exit(std::chrono::seconds(20)), 0) << cli.output();
  EXPECT_THAT(cli.output(), HasSubstr("NAME"));
  EXPECT_THAT(cli.output(),
              testing::ContainsRegex("lmstudio +openai +found on 127.0.0.1:1234 +http://127.0.0.1:1234/v1 +ok"));

  // the server stops: the backend goes away on the next probe
  lmstudio.reset();
  EXPECT_TRUE(eventually([&] { return find_backend(port, "lmstudio").is_null(); })) << gw.output();
  EXPECT_THAT(gw.output(), HasSubstr("lmstudio at http://127.0.0.1:1234/v1 no longer answers"));
}
