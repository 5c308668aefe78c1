#include "engine/engine_instance.h"

#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/loopback_get.h"

namespace sy::engine {
namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto poll_interval = 10ms;  // health polls while starting: cold start is ~0.3 s, so this is a visible share
constexpr std::size_t tail_bytes = 2048;

// A port the kernel just handed out on 127.0.0.1; 0 when none. It may be taken again before
// the child binds it: start() notices (the child cannot bind and exits) and retries once.
unsigned short pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  unsigned short port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string random_key() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += std::size_t(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string key = "sy-engine-";
  for (unsigned char b : bytes) key += hex[b >> 4], key += hex[b & 15];
  return key;
}

std::uintmax_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

std::string describe_status(int status) {
  if (status > 128) {
    const char* name = ::sigabbrev_np(status - 128);
    return "was killed by signal " + std::to_string(status - 128) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "exited with status " + std::to_string(status);
}

}  // namespace

const char* to_string(engine_state s) {
  switch (s) {
    case engine_state::stopped: return "stopped";
    case engine_state::starting: return "starting";
    case engine_state::ready: return "ready";
    case engine_state::stopping: return "stopping";
    case engine_state::failed: return "failed";
  }
  return "unknown";
}

engine_instance::engine_instance(process_launcher& launcher, std::string server_binary, std::string model_path,
                                 std::string alias, engine_settings settings, std::string log_path)
    : launcher_(launcher),
      server_binary_(std::move(server_binary)),
      model_path_(std::move(model_path)),
      alias_(std::move(alias)),
      settings_(std::move(settings)),
      log_path_(std::move(log_path)),
      api_key_(random_key()) {}

engine_instance::~engine_instance() {
  stop(2s);
}

bool engine_instance::start() {
  std::lock_guard life(lifecycle_);
  {
    std::lock_guard lock(mutex_);
    if (status_.state == engine_state::ready) return true;
    status_ = engine_status{.state = engine_state::starting};
  }
  for (int attempt = 0;; ++attempt) {
    unsigned short port = pick_free_port();
    if (port == 0) return fail("no free loopback port for llama-server", std::nullopt);
    auto args = llama_server_args(settings_, {.model_path = model_path_, .alias = alias_, .port = port});
    auto offset = file_size_or_zero(log_path_);
    auto launched_at = steady::now();
    auto r = launcher_.launch({server_binary_, std::move(args), log_path_, {"LLAMA_API_KEY=" + api_key_}});
    if (r.pid <= 0) return fail("cannot launch llama-server for " + model_path_ + ": " + r.error, std::nullopt);
    {
      std::lock_guard lock(mutex_);
      status_.pid = r.pid;
      status_.port = port;
      status_.started_at = std::chrono::system_clock::now();
      log_offset_ = offset;
    }

    std::optional<int> exit_status;
    auto outcome = wait_until_ready(r.pid, port, exit_status);
    if (outcome == wait_outcome::ready) {
      std::lock_guard lock(mutex_);
      status_.state = engine_state::ready;
      status_.load_time = std::chrono::duration_cast<duration>(steady::now() - launched_at);
      return true;
    }
    if (outcome == wait_outcome::aborted) {
      stop_locked(2s);
      return false;
    }
    auto tail = log_tail();
    bool port_clash = outcome == wait_outcome::foreign || tail.find("couldn't bind") != std::string::npos;
    if (outcome != wait_outcome::exited) exit_status = launcher_.stop(r.pid, 2s);
    if (port_clash && attempt == 0) continue;  // someone took the port between pick and bind
    std::string what =
        outcome == wait_outcome::timed_out ? "did not become healthy within " + format_duration(settings_.start_timeout)
        : outcome == wait_outcome::foreign ? "lost its port " + std::to_string(port) + " to another server"
                                           : describe_status(*exit_status) + " while loading";
    return fail("llama-server for " + model_path_ + " " + what + "; the end of its log (" + log_path_ + "):\n" + tail,
                exit_status);
  }
}

engine_instance::wait_outcome engine_instance::wait_until_ready(pid_t pid, unsigned short port,
                                                                std::optional<int>& exit_status) {
  auto deadline = steady::now() + settings_.start_timeout;
  const std::vector<std::string> auth{authorization()};
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (abort_start_) return wait_outcome::aborted;
    }
    if ((exit_status = launcher_.poll_exit(pid))) return wait_outcome::exited;
    auto now = steady::now();
    if (now >= deadline) return wait_outcome::timed_out;
    auto probe_timeout = std::min<duration>(1s, std::chrono::duration_cast<duration>(deadline - now));
    auto health = loopback_get(port, "/health", probe_timeout);
    if (health.status == 200) {
      // /health needs no key: make sure the server that answered is ours, not a stranger that
      // held the port (then our child fails to bind and exits).
      auto props = loopback_get(port, "/props", probe_timeout, auth);
      if (props.status == 200) return wait_outcome::ready;
      if (props.status == 401) return wait_outcome::foreign;
    }
    // 503 = still loading the model; no answer = not listening yet
    std::this_thread::sleep_for(poll_interval);
  }
}

bool engine_instance::fail(std::string reason, std::optional<int> exit_status) {
  std::lock_guard lock(mutex_);
  status_.state = engine_state::failed;
  status_.pid = -1;
  status_.port = 0;
  status_.exit_status = exit_status;
  status_.last_error = std::move(reason);
  return false;
}

std::string engine_instance::log_tail() const {
  std::uintmax_t from;
  {
    std::lock_guard lock(mutex_);
    from = log_offset_;
  }
  std::ifstream in(log_path_, std::ios::binary | std::ios::ate);
  if (!in) return {};
  auto size = static_cast<std::uintmax_t>(in.tellg());
  if (size <= from) return {};
  auto start = std::max<std::uintmax_t>(from, size > tail_bytes ? size - tail_bytes : 0);
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(std::size_t(size - start), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  if (start > from) {
    auto nl = out.find('\n');
    if (nl != std::string::npos) out.erase(0, nl + 1);  // start at a whole line
  }
  return out;
}

void engine_instance::stop(duration grace) {
  {
    std::lock_guard lock(mutex_);
    abort_start_ = true;  // a start() under way gives up at its next poll and stops its child
  }
  std::lock_guard life(lifecycle_);
  stop_locked(grace);
  std::lock_guard lock(mutex_);
  abort_start_ = false;  // cleared here, not in start(): a stop() racing a start() is never lost
}

void engine_instance::stop_locked(duration grace) {
  pid_t pid;
  {
    std::lock_guard lock(mutex_);
    pid = status_.pid;
    if (pid <= 0) return;  // stopped, failed, or never started
    status_.state = engine_state::stopping;
  }
  int exit_status = launcher_.stop(pid, grace);
  std::lock_guard lock(mutex_);
  status_.state = engine_state::stopped;
  status_.pid = -1;
  status_.port = 0;
  status_.exit_status = exit_status;
}

std::optional<int> engine_instance::exited() {
  std::unique_lock life(lifecycle_, std::try_to_lock);
  if (!life) return std::nullopt;
  pid_t pid;
  {
    std::lock_guard lock(mutex_);
    pid = status_.pid;
    if (pid <= 0) return status_.exit_status;
  }
  auto exit_status = launcher_.poll_exit(pid);
  if (!exit_status) return std::nullopt;
  fail("llama-server for " + model_path_ + " " + describe_status(*exit_status) + "; the end of its log (" + log_path_ +
           "):\n" + log_tail(),
       exit_status);
  return exit_status;
}

engine_status engine_instance::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}
engine_state engine_instance::state() const {
  return status().state;
}
pid_t engine_instance::pid() const {
  return status().pid;
}
unsigned short engine_instance::port() const {
  return status().port;
}
std::chrono::system_clock::time_point engine_instance::started_at() const {
  return status().started_at;
}
std::string engine_instance::last_error() const {
  return status().last_error;
}

}  // namespace sy::engine
