// Does this compiler destroy the temporaries of a co_await expression exactly once?
//
// GCC 12 (Debian 12's g++ 12.2) does not: a closure or an aggregate whose members have
// destructors, made inside a co_await expression, has those members destroyed twice when the
// coroutine resumes. That covers a lambda capturing a shared_ptr by value passed to the awaited
// call (`co_await run_blocking([st] {...})`), a braced aggregate argument (`co_await f({s, 1})`)
// and — invisible at the call site — a defaulted aggregate parameter (`options o = {}`). In
// Switchyard that released a shared_ptr<const gateway_state> once more than it was taken, and the
// gateway crashed within minutes (SIGSEGV/SIGBUS at a model refresh, heap corruption at SIGTERM).
// clang 19 gets every case right.
//
// CMake runs this at configure time and refuses a compiler that fails it; ctest runs it too
// (toolchain.coroutine_temporaries). Exit status 0: every case balanced.
#include <coroutine>
#include <cstdio>
#include <utility>

namespace {

int made = 0;
int destroyed = 0;

struct tracked {
  tracked() { ++made; }
  tracked(const tracked&) { ++made; }
  tracked(tracked&&) noexcept { ++made; }
  tracked& operator=(const tracked&) = default;
  ~tracked() { ++destroyed; }
};

struct task {
  struct promise_type {
    task get_return_object() { return {}; }
    std::suspend_never initial_suspend() { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};

std::coroutine_handle<> pending;
struct suspend_once {
  bool await_ready() { return false; }
  void await_suspend(std::coroutine_handle<> h) { pending = h; }
  void await_resume() {}
};

struct aggregate {
  tracked t;
  int x = 0;
};

template <class Fn>
suspend_once run(Fn fn) {
  fn();
  return {};
}
suspend_once take(aggregate) {
  return {};
}
suspend_once take_defaulted(int, aggregate a = {}) {
  (void)a;
  return {};
}

task lambda_capture_by_value() {
  tracked t;
  for (int i = 0; i < 2; ++i) co_await run([t] { (void)t; });
}
task lambda_init_capture() {
  co_await run([t = tracked{}] { (void)t; });
}
task braced_aggregate_argument() {
  tracked t;
  co_await take({t, 1});
}
task defaulted_aggregate_parameter() {
  co_await take_defaulted(1);
}
task named_lambda() {  // the form the code base uses; must hold on any compiler
  tracked t;
  auto job = [t] { (void)t; };
  co_await run(std::move(job));
}

bool balanced(task (*coroutine)(), const char* name) {
  made = destroyed = 0;
  coroutine();
  while (pending) std::exchange(pending, nullptr).resume();
  bool ok = made == destroyed;
  std::printf("%-32s constructed %d, destroyed %d: %s\n", name, made, destroyed, ok ? "ok" : "WRONG");
  return ok;
}

}  // namespace

int main() {
  bool ok = balanced(lambda_capture_by_value, "lambda capturing by value");
  ok &= balanced(lambda_init_capture, "lambda init-capture");
  ok &= balanced(braced_aggregate_argument, "braced aggregate argument");
  ok &= balanced(defaulted_aggregate_parameter, "defaulted aggregate parameter");
  ok &= balanced(named_lambda, "named lambda");
  if (!ok) std::printf("this compiler destroys temporaries of co_await expressions wrongly\n");
  return ok ? 0 : 1;
}
