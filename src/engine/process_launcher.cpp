#include "engine/process_launcher.h"
#include "engine/child_environment.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>

extern char** environ;

namespace sy::engine {

namespace {

int decode_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

process_launcher::process_launcher() : thread_([this] { run(); }) {}

process_launcher::~process_launcher() {
  for (pid_t pid : running()) stop(pid, std::chrono::seconds(2));
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void process_launcher::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return quit_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

launch_result process_launcher::launch(const process_spec& spec) {
  std::packaged_task<launch_result()> task([&] { return fork_exec(spec); });
  auto result = task.get_future();
  {
    std::lock_guard lock(mutex_);
    tasks_.emplace_back([&task] { task(); });
  }
  cv_.notify_all();
  auto r = result.get();
  if (r.pid > 0) {
    std::lock_guard lock(mutex_);
    children_.push_back(r.pid);
  }
  return r;
}

// Runs on the launcher thread.
launch_result process_launcher::fork_exec(const process_spec& spec) {
  // everything the child needs is prepared before fork: after it, only async-signal-safe calls
  std::vector<std::string> argv_storage{spec.program};
  argv_storage.insert(argv_storage.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_storage = child_environment(environ, spec.env);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  int log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return {-1, "cannot open log " + spec.log_path + ": " + std::strerror(errno)};
  int status_pipe[2];  // the child reports an exec failure through it; closed by a successful exec
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return {-1, std::string("pipe: ") + std::strerror(errno)};
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(log_fd);
    ::close(status_pipe[0]);
    ::close(status_pipe[1]);
    return {-1, std::string("fork: ") + std::strerror(err)};
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the gateway blocks SIGTERM/SIGINT in its threads
    ::signal(SIGPIPE, SIG_DFL);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // the status pipe stays open until exec
    ::execve(argv[0], argv.data(), envp.data());
    int err = errno;
    [[maybe_unused]] auto w = ::write(status_pipe[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(status_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do n = ::read(status_pipe[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  if (n == sizeof child_errno) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {-1, "cannot start " + spec.program + ": " + std::strerror(child_errno)};
  }
  return {pid, {}};
}

std::optional<int> process_launcher::poll_exit(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r != pid) return std::nullopt;
  std::lock_guard lock(mutex_);
  std::erase(children_, pid);
  return decode_status(status);
}

int process_launcher::stop(pid_t pid, duration grace) {
  if (auto done = poll_exit(pid)) return *done;
  ::kill(-pid, SIGTERM);
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto done = poll_exit(pid)) return *done;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::lock_guard lock(mutex_);
  std::erase(children_, pid);
  return decode_status(status);
}

std::vector<pid_t> process_launcher::running() const {
  std::lock_guard lock(mutex_);
  return children_;
}

std::string tail_of_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  auto size = static_cast<std::size_t>(in.tellg());
  std::size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  if (start > 0) {
    auto nl = out.find('\n');
    if (nl != std::string::npos) out.erase(0, nl + 1);  // start at a whole line
  }
  return out;
}

}  // namespace sy::engine
