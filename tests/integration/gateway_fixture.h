#pragma once
// The fixture of the gateway's integration tests: one mock upstream and the real binary started
// with a config that points at it.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "gateway_harness.h"

namespace sy::test {

namespace json = boost::json;

// One mock backend with a key, an alias and a single-target route.
inline const char* basic_config = R"(
server:
  access_log: true
backends:
  - name: mock
    type: openai
    url: {MOCK_URL}
    api_key: sk-backend-secret-0123456789
    models: [extra-model]
aliases:
  fast: mock/mock-chat
routes:
  - model: chat
    targets: [mock/mock-chat]
)";

inline json::object parse_object(const std::string& s) {
  return json::parse(s).as_object();
}

inline std::string chat_body(const std::string& model, const std::string& extra = "") {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])" + extra + "}";
}

struct gateway_test : testing::Test {
  mock_upstream mock;
  std::unique_ptr<gateway_process> gw;
  void start(const std::string& yaml = basic_config, std::vector<std::string> args = {}) {
    gw = std::make_unique<gateway_process>(yaml, &mock, std::move(args));
    ASSERT_TRUE(gw->started()) << gw->process().output();
  }
  response chat(const std::string& model, const std::string& extra = "",
                const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return http_request(gw->port(), "POST", "/v1/chat/completions", chat_body(model, extra), headers);
  }
  std::string upstream_model() {
    auto last = parse_object(mock.last_request());
    return std::string(json::parse(last.at("body").as_string()).at("model").as_string());
  }
};

}  // namespace sy::test
