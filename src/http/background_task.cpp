#include "http/background_task.h"

#include <spdlog/spdlog.h>

#include "http/pch.h"

namespace sy::http {

background_task::background_task(std::string name, net::io_context& ctx, round_fn round)
    : name_(std::move(name)), ctx_(ctx), round_(std::move(round)), timer_(ctx) {}

background_task::~background_task() {
  stop();
}

void background_task::start() {
  {
    std::lock_guard lock(mutex_);
    if (running_ || stopping_.load()) return;
    running_ = true;
  }
  auto done = [this](std::exception_ptr) { ended(); };
  net::co_spawn(ctx_, run(), net::bind_cancellation_slot(cancel_.slot(), std::move(done)));
}

void background_task::wake() {
  post_to_loop([this] {
    woken_ = true;
    timer_.cancel();
  });
}

void background_task::stop() {
  std::unique_lock lock(mutex_);
  stopping_.store(true);  // under the lock: no wake() is posted after this
  if (running_) {
    lock.unlock();
    post_to_loop(
        [this] {
          timer_.cancel();
          bool running;
          {
            std::lock_guard still(mutex_);
            running = running_;
          }
          // (on ctx_'s thread, like the coroutine: it cannot end between the check and the emit)
          if (running) cancel_.emit(net::cancellation_type::terminal);
        },
        /*even_when_stopping=*/true);
    lock.lock();
  }
  // the coroutine's end and every posted call: nothing runs on this object after stop()
  // a round's I/O has its own timeouts; a blocking job it awaits ends by itself
  while (!idle_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return !running_ && posted_ == 0; }))
    spdlog::warn("{}: still waiting for the current round to end", name_);
}

void background_task::post_to_loop(std::function<void()> fn, bool even_when_stopping) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.load() && !even_when_stopping) return;
    ++posted_;
  }
  net::post(ctx_, [this, fn = std::move(fn)] {
    fn();
    std::lock_guard lock(mutex_);
    --posted_;
    idle_cv_.notify_all();
  });
}

void background_task::ended() {
  std::lock_guard lock(mutex_);
  running_ = false;
  idle_cv_.notify_all();
}

net::awaitable<void> background_task::run() {
  while (!stopping_.load()) {
    duration wait = std::chrono::seconds(1);
    try {
      wait = co_await round_();
      rounds_.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception& e) {
      if (stopping_.load()) break;
      spdlog::warn("{}: round failed: {}", name_, e.what());
    }
    if (stopping_.load()) break;
    if (std::exchange(woken_, false)) continue;
    timer_.expires_after(wait);
    auto [ec] = co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;  // expired, woken or stopping: the loop condition and woken_ tell which
    woken_ = false;
  }
}

}  // namespace sy::http
