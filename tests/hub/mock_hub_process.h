#pragma once
// The mock hub (tests/support/mock_hub.cpp) as a child process of a test, with its request log.
#include <chrono>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"

namespace sy::test {

struct mock_hub_process {
  mock_hub_process(const std::string& dir, std::vector<std::string> flags) {
    std::vector<std::string> argv{MOCK_HUB_BIN, "--dir", dir};
    argv.insert(argv.end(), flags.begin(), flags.end());
    proc = std::make_unique<child_process>(argv, temp_dir() + "/hub.log");
    auto port = proc->wait_for(std::regex("listening on 127.0.0.1:(\\d+)"), std::chrono::seconds(10));
    if (!port) throw std::runtime_error("mock-hub did not start: " + proc->output());
    endpoint = "http://127.0.0.1:" + *port;
  }
  std::string url(const std::string& file = "model.gguf") const {
    return endpoint + "/owner/repo/resolve/main/" + file;
  }
  // The log lines of requests whose target contains `part`.
  std::vector<std::string> requests(const std::string& part) const {
    std::vector<std::string> out;
    std::istringstream in(proc->output());
    for (std::string line; std::getline(in, line);)
      if (line.starts_with("request ") && line.find(part) != std::string::npos) out.push_back(line);
    return out;
  }
  // The same, once at least `at_least` of them are logged (the mock logs a request after
  // answering it, and its output reaches the test a moment later): waits up to 5 s.
  std::vector<std::string> requests(const std::string& part, std::size_t at_least) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto got = requests(part);
    while (got.size() < at_least && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      got = requests(part);
    }
    return got;
  }
  // Body bytes sent for requests whose target contains `part`.
  uint64_t bytes_sent(const std::string& part) const {
    uint64_t n = 0;
    for (const auto& l : requests(part)) {
      auto at = l.rfind(" sent=");
      if (at != std::string::npos) n += std::stoull(l.substr(at + 6));
    }
    return n;
  }
  std::unique_ptr<child_process> proc;
  std::string endpoint;
};

}  // namespace sy::test
