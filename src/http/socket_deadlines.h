#pragma once
// Deadlines of a worker's socket operations, all kept by one timer.
//
// Beast's tcp_stream arms a timer for every read it times and cancels it when the read
// completes; each cancel queues the timer's handler on the worker, which costs one more pass
// of the event loop (an epoll_wait) per read — per upstream answer, and per streamed chunk.
// Here arming a deadline links it into a list and disarming unlinks it, with no timer
// operation. The one timer waits for the earliest deadline it knows of; a deadline disarmed
// first leaves it waiting, and when it fires it cancels the operations whose deadline passed
// and waits for the next earliest. A deadline earlier than the timer's re-arms it (rare: the
// deadlines of one kind are armed in order).
//
// An expired operation's socket is cancelled (its operation ends with operation_aborted); the
// guard then says expired(), and the caller reports its timeout.
//
// The timer may wait on after the last guard is gone (until the deadline it was set for): the
// set is for an io_context that runs for as long as the set lives, a server worker's; one that
// runs until it has no work left would run that long.
//
// Threading: one worker's. Every member, and every guard, on that worker's thread.
#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sy::http {

class socket_deadlines {
 public:
  using clock = std::chrono::steady_clock;

  explicit socket_deadlines(const boost::asio::any_io_executor& ex);
  // Guards still armed (coroutine frames destroyed later, with the io_context) are let go.
  ~socket_deadlines();
  socket_deadlines(const socket_deadlines&) = delete;
  socket_deadlines& operator=(const socket_deadlines&) = delete;

  // One operation's deadline: armed from construction until the guard goes (or disarm()).
  class guard {
   public:
    guard(socket_deadlines& set, boost::asio::ip::tcp::socket& socket, clock::duration timeout);
    ~guard() { disarm(); }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;

    void disarm();
    // The deadline passed and the socket's operation was cancelled.
    bool expired() const { return expired_; }

   private:
    friend class socket_deadlines;
    socket_deadlines* set_;
    boost::asio::ip::tcp::socket* socket_;
    clock::time_point at_;
    guard* prev_ = nullptr;
    guard* next_ = nullptr;
    bool linked_ = false;
    bool expired_ = false;
  };

  std::size_t armed() const { return armed_; }

 private:
  void link(guard& g);
  void unlink(guard& g);
  void wait_until(clock::time_point at);
  void fire();

  boost::asio::steady_timer timer_;
  clock::time_point timer_at_ = clock::time_point::max();  // max: not waiting
  guard* head_ = nullptr;
  std::size_t armed_ = 0;
  std::shared_ptr<socket_deadlines*> self_;  // the timer's handler finds the set through it
};

}  // namespace sy::http
