#include "http/background_task.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "http/pch.h"

namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

// An io_context run by its own thread for the length of a test.
struct running_context {
  net::io_context ctx;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ctx);
  std::thread thread{[this] { ctx.run(); }};
  ~running_context() {
    work.reset();
    ctx.stop();
    thread.join();
  }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds within = 5s) {
  auto end = std::chrono::steady_clock::now() + within;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace

TEST(background_task, runs_a_round_at_once_then_after_the_interval_the_round_returns) {
  running_context rc;
  std::atomic<int> rounds{0};
  sy::http::background_task task("test", rc.ctx, [&]() -> net::awaitable<sy::duration> {
    ++rounds;
    co_return 20ms;
  });
  task.start();
  EXPECT_TRUE(eventually([&] { return rounds >= 3; }));
  task.stop();
}

TEST(background_task, wake_starts_the_next_round_now) {
  running_context rc;
  std::atomic<int> rounds{0};
  sy::http::background_task task("test", rc.ctx, [&]() -> net::awaitable<sy::duration> {
    ++rounds;
    co_return std::chrono::hours(1);
  });
  task.start();
  ASSERT_TRUE(eventually([&] { return rounds == 1; }));
  task.wake();
  EXPECT_TRUE(eventually([&] { return rounds == 2; }));
  task.stop();
}

// stop() ends a wait of an hour and an operation the round awaits, and returns only when the
// coroutine is gone: nothing runs on the task afterwards.
TEST(background_task, stop_cancels_the_round_and_returns_when_the_coroutine_has_ended) {
  running_context rc;
  std::atomic<bool> in_round{false};
  std::atomic<bool> frame_alive{false};
  struct frame_marker {
    std::atomic<bool>& alive;
    explicit frame_marker(std::atomic<bool>& a) : alive(a) { alive = true; }
    ~frame_marker() { alive = false; }
  };
  sy::http::background_task task("test", rc.ctx, [&]() -> net::awaitable<sy::duration> {
    frame_marker marker(frame_alive);
    in_round = true;
    net::steady_timer long_io(co_await net::this_coro::executor, std::chrono::hours(1));
    co_await long_io.async_wait(net::use_awaitable);  // throws operation_aborted at stop()
    co_return std::chrono::hours(1);
  });
  task.start();
  ASSERT_TRUE(eventually([&] { return in_round.load(); }));
  auto t0 = std::chrono::steady_clock::now();
  task.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_FALSE(frame_alive);
  task.stop();  // idempotent
}

TEST(background_task, a_round_that_throws_is_followed_by_the_next) {
  running_context rc;
  std::atomic<int> rounds{0};
  sy::http::background_task task("test", rc.ctx, [&]() -> net::awaitable<sy::duration> {
    if (++rounds == 1) throw std::runtime_error("first round fails");
    co_return std::chrono::hours(1);
  });
  task.start();
  EXPECT_TRUE(eventually([&] { return rounds == 2; }));  // a second after the failure
  EXPECT_EQ(task.rounds(), 1u);                          // rounds() counts those that completed
  task.stop();
}

TEST(background_task, destroying_a_started_task_stops_it_and_a_stopped_task_does_not_start) {
  running_context rc;
  std::atomic<int> rounds{0};
  auto round = [&]() -> net::awaitable<sy::duration> {
    ++rounds;
    co_return 1ms;
  };
  {
    sy::http::background_task task("test", rc.ctx, round);
    task.start();
    ASSERT_TRUE(eventually([&] { return rounds > 0; }));
    for (int i = 0; i < 100; ++i) task.wake();  // calls still queued when it goes
  }
  int after = rounds;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rounds, after);

  sy::http::background_task stopped("test", rc.ctx, round);
  stopped.stop();
  stopped.start();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rounds, after);
}
