#pragma once
// Starts a mock OpenAI upstream and the real switchyard binary (port 0) with a config that
// points at it, for integration tests.
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "http_client.h"

namespace sy::test {

class mock_upstream {
 public:
  explicit mock_upstream(std::vector<std::string> extra_args = {});  // e.g. {"--require-key", "k"}
  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string last_request();  // JSON of the last request it received
  std::string stats();         // {"connections":N,"requests":N}
  void release(const std::string& key);

 private:
  std::string dir_;
  std::unique_ptr<child_process> proc_;
  unsigned short port_ = 0;
};

class gateway_process {
 public:
  // `config_yaml` may use {MOCK_URL}, replaced with the mock's base URL. `extra_env`: NAME=value
  // pairs for the gateway's environment (after the harness's own, e.g. its SWITCHYARD_HOME).
  gateway_process(const std::string& config_yaml, const mock_upstream* mock, std::vector<std::string> extra_args = {},
                  std::vector<std::string> extra_env = {});
  unsigned short port() const { return port_; }
  child_process& process() { return *proc_; }
  bool started() const { return port_ != 0; }
  std::string config_path() const { return dir_ + "/config.yaml"; }

 private:
  std::string dir_;
  std::unique_ptr<child_process> proc_;
  unsigned short port_ = 0;
};

}  // namespace sy::test
