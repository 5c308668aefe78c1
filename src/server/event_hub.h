#pragma once
// Fan-out of gateway events (breaker and health transitions, per-request summaries) to the
// subscribers of GET /api/events. Each subscriber has a bounded queue: one that reads too slowly
// loses its oldest events and is told how many ("lagged"), so a stuck dashboard never holds
// memory or slows requests down.
//
// Threading: publish() from any thread; a subscription is read on its own executor.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sy {

struct hub_event {
  std::string kind;  // "breaker", "health", "request", "lagged", ...
  std::string json;  // one line
};

class event_hub {
 public:
  class subscription : public std::enable_shared_from_this<subscription> {
   public:
    explicit subscription(const boost::asio::any_io_executor& ex) : timer_(ex) {}
    // The events queued since the last call; waits up to `wait` for the first one. Empty after
    // the wait, or once the hub has closed.
    boost::asio::awaitable<std::vector<hub_event>> next(std::chrono::steady_clock::duration wait);
    bool closed() const;

   private:
    friend class event_hub;
    void push(const hub_event& e);  // under no lock of the hub
    void wake();
    mutable std::mutex mutex_;
    std::deque<hub_event> queue_;
    std::uint64_t dropped_ = 0;
    bool closed_ = false;
    boost::asio::steady_timer timer_;
  };

  explicit event_hub(std::size_t queue_limit = 1024) : limit_(queue_limit) {}
  std::shared_ptr<subscription> subscribe(const boost::asio::any_io_executor& ex);
  void publish(std::string kind, std::string json);
  void close();  // wakes every subscriber for good (shutdown)
  std::size_t subscribers();

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<subscription>> subs_;
  std::size_t limit_;
  bool closed_ = false;
};

}  // namespace sy
