#include "router/target_gate.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sy {

namespace asio = boost::asio;

asio::awaitable<target_gate::verdict> target_gate::enter(unsigned limit, unsigned max_queue,
                                                         std::chrono::steady_clock::duration queue_timeout) {
  std::shared_ptr<waiter> me;
  {
    std::lock_guard lock(mutex_);
    if (limit == 0 || in_use_ < limit) {
      ++in_use_;
      co_return verdict::admitted;
    }
    if (waiting_.size() >= max_queue) co_return verdict::full;
    me = std::make_shared<waiter>(co_await asio::this_coro::executor);
    me->timer.expires_after(queue_timeout);
    waiting_.push_back(me);
  }
  co_await me->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(mutex_);
  if (me->granted) co_return verdict::admitted;  // leave() handed its place over
  std::erase(waiting_, me);
  co_return verdict::timed_out;
}

void target_gate::leave() {
  std::shared_ptr<waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (waiting_.empty()) {
      if (in_use_ > 0) --in_use_;
      return;
    }
    next = std::move(waiting_.front());  // the place passes on: in_use_ stays
    waiting_.pop_front();
    next->granted = true;
  }
  auto ex = next->timer.get_executor();
  asio::post(ex, [next] { next->timer.cancel(); });
}

unsigned target_gate::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}
unsigned target_gate::queued() const {
  std::lock_guard lock(mutex_);
  return static_cast<unsigned>(waiting_.size());
}

}  // namespace sy
