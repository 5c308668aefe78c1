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
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sy {

class target_gate {
 public:
  enum class verdict { admitted, full, timed_out };

  // Waits for a place; every `admitted` must be followed by exactly one leave() (hold a slot).
  boost::asio::awaitable<verdict> enter(unsigned limit, unsigned max_queue,
                                        std::chrono::steady_clock::duration queue_timeout);
  void leave();

  // An admitted place, left when the slot goes: after the attempt, or when the request ends
  // some other way (a cancelled coroutine, an exception). The gate must outlive it.
  class slot {
   public:
    slot() = default;
    explicit slot(target_gate& gate) : gate_(&gate) {}
    slot(slot&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    slot& operator=(slot&& other) noexcept {
      if (this != &other) {
        release();
        gate_ = std::exchange(other.gate_, nullptr);
      }
      return *this;
    }
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot() { release(); }
    void release() {
      if (gate_) std::exchange(gate_, nullptr)->leave();
    }

   private:
    target_gate* gate_ = nullptr;
  };

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
