#pragma once
// A child process for integration tests: started with its output in a log file, waited on for
// a line that says it is ready, signalled, reaped. Killed (SIGKILL) when destroyed.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace sy::test {

class child_process {
 public:
  child_process(std::vector<std::string> argv, std::string log_path);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Waits until a line of the output matches; returns the first capture group (or the whole
  // match). nullopt when the process exits or the timeout passes first.
  std::optional<std::string> wait_for(const std::regex& pattern, std::chrono::milliseconds timeout);
  std::string output() const;
  void signal(int sig);
  // The exit status (WEXITSTATUS, or 128+signal), or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Peak resident memory of the exited child in KiB (wait4's ru_maxrss); nullopt until it exits.
  std::optional<long> max_rss_kib() const { return max_rss_kib_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;
  std::optional<long> max_rss_kib_;
};

// Path of a built binary, from the compile definitions set in tests/CMakeLists.txt.
std::string switchyard_binary();
std::string mock_binary();
// A fresh temporary directory, removed when the test process exits.
std::string temp_dir();
void write_file(const std::string& path, const std::string& text);

}  // namespace sy::test
