#pragma once
// One llama-server child serving one model on a private loopback port: start it, wait until it
// is healthy, notice when it dies, stop it. The supervisor (load on demand, LRU, idle unload)
// owns many of these; this class knows nothing about requests or routing.
//
//              start()                GET /health -> 200
//   stopped ────────────▶ starting ───────────────────▶ ready
//      ▲                   │     │                       │  │
//      │            stop() │     │ child exited, timed   │  │ child exited
//      │                   ▼     │ out, or not launched  │  │ (seen by exited())
//      └─────────────── stopping │                       │  │
//        child reaped      ▲     ▼                       │  ▼
//                          │   failed ◀──────────────────┼──┘
//                          │  (reason: exit status and   │
//                          │   the tail of its log)      │
//                          └────────── stop() ───────────┘
//
// start() may be called again from stopped or failed (a restart launches a new child on a new
// port). While the child is starting, llama-server answers /health with 503 (model loading):
// that is "starting", not dead. If the chosen port was taken (the log says it could not bind),
// start() retries once on another port.
//
// The child gets a random API key through its environment: only the gateway can use it, even
// though any local process can connect to the port. Send `authorization()` with each request.
//
// Threading: every public member is thread-safe. start(), stop() and exited() are serialized
// (they own the child's lifecycle); stop() during a start() makes that start() give up early.
// exited() never blocks: while a start() or stop() is under way it reports nothing new.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/duration.h"
#include "engine/engine_settings.h"
#include "engine/process_launcher.h"

namespace sy::engine {

enum class engine_state { stopped, starting, ready, stopping, failed };

const char* to_string(engine_state s);

// One consistent view of an instance, for the admin API and logs.
struct engine_status {
  engine_state state = engine_state::stopped;
  pid_t pid = -1;                                    // the running child; -1 when none
  unsigned short port = 0;                           // its loopback port; 0 when none
  std::chrono::system_clock::time_point started_at;  // when the current (or last) child was launched
  duration load_time{0};                             // launch until ready (0 until ready)
  std::optional<int> exit_status;                    // of the last child: exit code, or 128 + signal
  std::string last_error;                            // why it failed; "" when it did not
};

class engine_instance {
 public:
  // `launcher` must outlive this instance; `server_binary` is the llama-server path; the
  // child's stdout and stderr are appended to `log_path`.
  engine_instance(process_launcher& launcher, std::string server_binary, std::string model_path, std::string alias,
                  engine_settings settings, std::string log_path);
  ~engine_instance();  // stops a running child (2 s grace)
  engine_instance(const engine_instance&) = delete;
  engine_instance& operator=(const engine_instance&) = delete;

  // Launches the child and blocks until it is ready (true) or has failed (false; see
  // status().last_error), at most settings.start_timeout (+ one retry after a port clash).
  // Returns true at once when already ready.
  bool start();

  // SIGTERM, then SIGKILL after `grace`; ends in stopped (a failed instance stays failed).
  void stop(duration grace = std::chrono::seconds(5));

  // Polls the child without blocking. Returns its exit status once it has ended: after a crash
  // (the state moves to failed, with the status and the log tail in last_error) or after stop().
  // nullopt while it runs, while a start()/stop() is under way, and before the first start.
  std::optional<int> exited();

  engine_status status() const;
  engine_state state() const;
  pid_t pid() const;
  unsigned short port() const;
  std::chrono::system_clock::time_point started_at() const;
  std::string last_error() const;

  const std::string& model_path() const { return model_path_; }
  const std::string& alias() const { return alias_; }
  const engine_settings& settings() const { return settings_; }
  const std::string& log_path() const { return log_path_; }
  // The child's API key; send "Authorization: Bearer <key>" (authorization()). Never log it.
  const std::string& api_key() const { return api_key_; }
  std::string authorization() const { return "Authorization: Bearer " + api_key_; }

 private:
  enum class wait_outcome { ready, exited, timed_out, aborted, foreign };
  wait_outcome wait_until_ready(pid_t pid, unsigned short port, std::optional<int>& exit_status);
  bool fail(std::string reason, std::optional<int> exit_status);  // sets failed; returns false
  std::string log_tail() const;                                   // this child's log only
  void stop_locked(duration grace);                               // lifecycle_ held

  process_launcher& launcher_;
  const std::string server_binary_, model_path_, alias_;
  const engine_settings settings_;
  const std::string log_path_;
  const std::string api_key_;

  std::mutex lifecycle_;  // held by start(), stop() and exited(): they own the child's pid

  mutable std::mutex mutex_;  // guards the fields below (short holds only)
  engine_status status_;
  bool abort_start_ = false;       // stop() asked a running start() to give up
  std::uintmax_t log_offset_ = 0;  // size of the log when the current child was launched
};

}  // namespace sy::engine
