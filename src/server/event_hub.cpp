#include "server/event_hub.h"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sy {

namespace asio = boost::asio;

std::shared_ptr<event_hub::subscription> event_hub::subscribe(const asio::any_io_executor& ex) {
  auto s = std::make_shared<subscription>(ex);
  std::lock_guard lock(mutex_);
  if (closed_) s->closed_ = true;
  std::erase_if(subs_, [](const auto& w) { return w.expired(); });
  subs_.push_back(s);
  return s;
}

std::size_t event_hub::subscribers() {
  std::lock_guard lock(mutex_);
  std::erase_if(subs_, [](const auto& w) { return w.expired(); });
  return subs_.size();
}

void event_hub::publish(std::string kind, std::string json) {
  std::vector<std::shared_ptr<subscription>> live;
  {
    std::lock_guard lock(mutex_);
    if (subs_.empty()) return;
    for (auto& w : subs_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  hub_event e{std::move(kind), std::move(json)};
  for (auto& s : live) {
    {
      std::lock_guard lock(s->mutex_);
      if (s->queue_.size() >= limit_) {
        s->queue_.pop_front();
        ++s->dropped_;
      }
      s->queue_.push_back(e);
    }
    s->wake();
  }
}

void event_hub::close() {
  std::vector<std::shared_ptr<subscription>> live;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& w : subs_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) {
    {
      std::lock_guard lock(s->mutex_);
      s->closed_ = true;
    }
    s->wake();
  }
}

void event_hub::subscription::wake() {
  asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

bool event_hub::subscription::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

asio::awaitable<std::vector<hub_event>> event_hub::subscription::next(std::chrono::steady_clock::duration wait) {
  auto take = [this] {
    std::vector<hub_event> out;
    std::lock_guard lock(mutex_);
    if (dropped_ > 0) {
      out.push_back({"lagged", fmt::format(R"({{"dropped":{}}})", dropped_)});
      dropped_ = 0;
    }
    while (!queue_.empty()) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return out;
  };
  auto got = take();
  if (!got.empty() || closed()) co_return got;
  timer_.expires_after(wait);
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return take();
}

}  // namespace sy
