#pragma once
// Admission to one route target with a concurrency limit: up to `limit` requests at once, up
// to `max_queue` more waiting in arrival order for at most `queue_timeout`; beyond that a
// request is turned away at once (the caller answers 429 with Retry-After, or tries another
// target) instead of queueing without bound.
//
// Threading: any thread. A waiter is woken on its own executor (its timer is cancelled there).
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sy {

class target_gate {
 public:
  enum class verdict { admitted, full, timed_out };

  // Waits for a place; every `admitted` must be followed by exactly one leave().
  boost::asio::awaitable<verdict> enter(unsigned limit, unsigned max_queue,
                                        std::chrono::steady_clock::duration queue_timeout);
  void leave();

  unsigned in_use() const;
  unsigned queued() const;

 private:
  struct waiter {
    explicit waiter(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    bool granted = false;  // under the gate's mutex
  };
  mutable std::mutex mutex_;
  unsigned in_use_ = 0;
  std::deque<std::shared_ptr<waiter>> waiting_;
};

}  // namespace sy
