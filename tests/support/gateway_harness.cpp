#include "gateway_harness.h"

#include <algorithm>
#include <stdexcept>

namespace sy::test {

mock_upstream::mock_upstream(std::vector<std::string> extra_args) : dir_(temp_dir()) {
  std::vector<std::string> argv{mock_binary(), "--port", "0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<child_process>(argv, dir_ + "/mock.log");
  auto port = proc_->wait_for(std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"), std::chrono::seconds(10));
  if (!port) throw std::runtime_error("mock upstream did not start: " + proc_->output());
  port_ = static_cast<unsigned short>(std::stoi(*port));
}

std::string mock_upstream::last_request() {
  return http_request(port_, "GET", "/mock/last").body;
}
std::string mock_upstream::stats() {
  return http_request(port_, "GET", "/mock/stats").body;
}
void mock_upstream::release(const std::string& key) {
  http_request(port_, "POST", "/mock/release/" + key);
}

gateway_process::gateway_process(const std::string& config_yaml, const mock_upstream* mock,
                                 std::vector<std::string> extra_args, std::vector<std::string> extra_env)
    : dir_(temp_dir()) {
  std::string yaml = config_yaml;
  if (mock)
    for (auto pos = yaml.find("{MOCK_URL}"); pos != std::string::npos; pos = yaml.find("{MOCK_URL}"))
      yaml.replace(pos, 10, mock->url());
  write_file(dir_ + "/config.yaml", yaml);
  // a store of its own: tests never see (or write) the machine's ~/.local/share/switchyard
  std::vector<std::string> argv{"/usr/bin/env", "SWITCHYARD_HOME=" + dir_ + "/home"};
  argv.insert(argv.end(), extra_env.begin(), extra_env.end());  // (env: the last of a name wins)
  argv.insert(argv.end(), {switchyard_binary(), "serve", "--config", dir_ + "/config.yaml"});
  if (std::find(extra_args.begin(), extra_args.end(), "--listen") == extra_args.end())
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  for (auto& a : extra_args) argv.push_back(a);
  proc_ = std::make_unique<child_process>(argv, dir_ + "/switchyard.log");
  auto port = proc_->wait_for(std::regex("listening on http://127\\.0\\.0\\.1:([0-9]+)"), std::chrono::seconds(10));
  if (port) port_ = static_cast<unsigned short>(std::stoi(*port));
}

}  // namespace sy::test
