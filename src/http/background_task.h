#pragma once
// A long-lived coroutine of the server — a model-list refresh, a health check, a discovery
// probe — in the one shape that cannot outlive what it touches:
//
//   start() ─> round ─> wait(interval returned by the round, or until wake()) ─> round ...
//                 └──────────── stop(): cancels the wait and the round's I/O ───> ended
//
// The coroutine holds nothing but this object: the round is the owner's function (call a member
// coroutine from it; never give it captures that must outlive the call), and stop() blocks until
// the coroutine frame is gone. So the owner stops its tasks before it lets go of anything their
// rounds use, and the destructor stops as a last resort. Like any asio I/O object (it holds a
// timer), a task is destroyed before its io_context.
//
// Threading: the task runs on `ctx`, which must be running when stop() is called. start(),
// wake() and stop() may be called from any thread except stop() from `ctx`'s own thread (it
// would wait for itself); after stop() nothing touches the object any more (the coroutine and
// every call posted to `ctx` have run). A round that throws is logged and the next one runs
// after a second.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/duration.h"

namespace sy::http {

namespace net = boost::asio;

class background_task {
 public:
  // One round: does the work, returns how long to wait before the next.
  using round_fn = std::function<net::awaitable<duration>()>;

  background_task(std::string name, net::io_context& ctx, round_fn round);
  ~background_task();  // stop()
  background_task(const background_task&) = delete;
  background_task& operator=(const background_task&) = delete;

  void start();
  // The next round starts now (or right after the current one); nothing once stop() began.
  void wake();
  // Cancels and waits for the end of the coroutine; idempotent.
  void stop();

  std::uint64_t rounds() const { return rounds_.load(std::memory_order_relaxed); }

 private:
  net::awaitable<void> run();
  void ended();
  // Runs `fn` on ctx_'s thread; stop() waits for it. Once stop() began, only its own call goes.
  void post_to_loop(std::function<void()> fn, bool even_when_stopping = false);

  const std::string name_;
  net::io_context& ctx_;
  round_fn round_;
  // on ctx_'s thread only:
  net::steady_timer timer_;
  net::cancellation_signal cancel_;
  bool woken_ = false;

  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> rounds_{0};
  std::mutex mutex_;
  std::condition_variable idle_cv_;
  bool running_ = false;  // guarded by mutex_: between start() and the coroutine's end
  unsigned posted_ = 0;   // guarded by mutex_: posted calls not yet run
};

}  // namespace sy::http
