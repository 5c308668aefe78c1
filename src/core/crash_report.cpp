#include "core/crash_report.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace sy {

namespace {

constexpr std::array fatal_signals{SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
constexpr int max_frames = 64;
std::atomic<bool> reporting{false};
char exe_path[4096];             // the executable's path (dladdr may name it relatively)
const void* exe_base = nullptr;  // where it is loaded

// A fixed buffer with async-signal-safe appends (no allocation, no locale, no stdio).
struct line_buffer {
  char data[1024];
  std::size_t size = 0;
  void add(const char* s) {
    while (*s && size < sizeof(data)) data[size++] = *s++;
  }
  void add_unsigned(std::uintptr_t v, int base) {
    char digits[32];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[v % static_cast<unsigned>(base)];
      v /= static_cast<unsigned>(base);
    } while (v && n < 32);
    if (base == 16) add("0x");
    while (n > 0 && size < sizeof(data)) data[size++] = digits[--n];
  }
  void flush() {
    std::size_t off = 0;
    while (off < size) {
      auto w = ::write(STDERR_FILENO, data + off, size - off);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    size = 0;
  }
};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "signal";
  }
}

// Runs `addr2line -C -f -p -e exe addr` in a child (fork and execve are async-signal-safe);
// returns false when it could not run.
bool symbolise(const char* module, std::uintptr_t offset) {
  static const char* const tools[] = {"/usr/bin/addr2line", "/bin/addr2line"};
  const char* tool = nullptr;
  for (const char* t : tools)
    if (::access(t, X_OK) == 0) tool = t;
  if (!tool) return false;
  char addr[32];
  {
    line_buffer b;
    b.add_unsigned(offset, 16);
    std::memcpy(addr, b.data, b.size);
    addr[b.size] = '\0';
  }
  // vfork, not fork: fork runs glibc's atfork handlers, which take the malloc locks — held
  // forever when the fault was heap corruption detected inside malloc
  pid_t child = ::vfork();
  if (child < 0) return false;
  if (child == 0) {
    ::dup2(STDERR_FILENO, STDOUT_FILENO);  // its answer goes to the log
    char* const argv[] = {const_cast<char*>(tool),
                          const_cast<char*>("-C"),
                          const_cast<char*>("-f"),
                          const_cast<char*>("-p"),
                          const_cast<char*>("-e"),
                          const_cast<char*>(module),
                          addr,
                          nullptr};
    char* const envp[] = {nullptr};
    ::execve(tool, argv, envp);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void report(int sig, siginfo_t* info, void*) {
  if (!reporting.exchange(true)) {  // a fault inside the report itself only dies
    line_buffer b;
    b.add("switchyard: fatal signal ");
    b.add(signal_name(sig));
    b.add(" (");
    b.add_unsigned(static_cast<std::uintptr_t>(sig), 10);
    b.add(") at address ");
    b.add_unsigned(reinterpret_cast<std::uintptr_t>(info ? info->si_addr : nullptr), 16);
    b.add(" in thread ");
    b.add_unsigned(static_cast<std::uintptr_t>(::syscall(SYS_gettid)), 10);
    b.add(" of pid ");
    b.add_unsigned(static_cast<std::uintptr_t>(::getpid()), 10);
    b.add("; backtrace:\n");
    b.flush();

    void* frames[max_frames];
    int n = ::backtrace(frames, max_frames);
    for (int i = 0; i < n; ++i) {
      auto pc = reinterpret_cast<std::uintptr_t>(frames[i]);
      // a return address points past its call: look up the call itself
      std::uintptr_t lookup = i == 0 ? pc : pc - 1;
      Dl_info where{};
      b.add("  #");
      b.add_unsigned(static_cast<std::uintptr_t>(i), 10);
      b.add(" ");
      if (::dladdr(reinterpret_cast<void*>(lookup), &where) && where.dli_fname) {
        auto offset = lookup - reinterpret_cast<std::uintptr_t>(where.dli_fbase);
        const char* module = where.dli_fbase == exe_base && exe_path[0] ? exe_path : where.dli_fname;
        b.flush();
        if (symbolise(module, offset)) continue;
        b.add(where.dli_fname);
        b.add("+");
        b.add_unsigned(offset, 16);
        if (where.dli_sname) {
          b.add(" (");
          b.add(where.dli_sname);
          b.add(")");
        }
      } else {
        b.add_unsigned(pc, 16);
      }
      b.add("\n");
      b.flush();
    }
  }
  // die of the same signal, as without this handler
  ::signal(sig, SIG_DFL);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
  ::raise(sig);
}

}  // namespace

void install_crash_report() {
#ifndef SWITCHYARD_SANITIZER
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  void* warm[1];
  ::backtrace(warm, 1);
  auto n = ::readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
  exe_path[n > 0 ? n : 0] = '\0';
  Dl_info self{};
  if (::dladdr(reinterpret_cast<void*>(&install_crash_report), &self))
    exe_base = self.dli_fbase;  // loads libgcc's unwinder now: the handler must not allocate
  // a separate stack, so that a stack overflow can still be reported
  static char alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof(alt_stack);
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = report;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int sig : fatal_signals) ::sigaction(sig, &sa, nullptr);
#endif
}

}  // namespace sy
