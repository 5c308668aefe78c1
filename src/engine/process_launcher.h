#pragma once
// Starts and stops child processes (llama-server, rpc-server) for the engine supervisor.
//
// Every child is forked from one long-lived launcher thread: Linux's parent-death signal
// (PR_SET_PDEATHSIG) fires when the *thread* that forked the child exits, not the process, so
// forking from a worker that may end would kill children early. Each child gets SIGKILL when
// the gateway dies (even by SIGKILL), its own process group (so a stop reaches its helpers),
// stdout and stderr in a log file, and no other inherited descriptors.
//
// Threading: every public member is thread-safe.
#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/duration.h"

namespace sy::engine {

struct process_spec {
  std::string program;            // absolute path
  std::vector<std::string> args;  // without argv[0]
  std::string log_path;           // stdout and stderr, appended
  std::vector<std::string> env;   // NAME=value entries on top of what children inherit (child_environment.h)
};

struct launch_result {
  pid_t pid = -1;     // > 0 on success
  std::string error;  // why it could not start
};

class process_launcher {
 public:
  process_launcher();
  ~process_launcher();  // stops every child still running, then the launcher thread
  process_launcher(const process_launcher&) = delete;
  process_launcher& operator=(const process_launcher&) = delete;

  // Forks and execs on the launcher thread; waits for the result. An exec failure (missing
  // binary) is reported here, not as a mysterious early exit.
  launch_result launch(const process_spec& spec);

  // The exit status if the child has ended (exit code, or 128 + signal), without blocking.
  std::optional<int> poll_exit(pid_t pid);

  // SIGTERM to the child's process group, then SIGKILL after `grace`; reaps it.
  // Returns the exit status.
  int stop(pid_t pid, duration grace);

  std::vector<pid_t> running() const;

 private:
  void run();
  launch_result fork_exec(const process_spec& spec);

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool quit_ = false;
  std::vector<pid_t> children_;
  std::thread thread_;
};

// The last `max_bytes` of a log file (for error messages: why did the engine fail?).
std::string tail_of_file(const std::string& path, std::size_t max_bytes = 2048);

}  // namespace sy::engine
