#include "http/socket_deadlines.h"

namespace sy::http {

socket_deadlines::socket_deadlines(const boost::asio::any_io_executor& ex)
    : timer_(ex), self_(std::make_shared<socket_deadlines*>(this)) {}

socket_deadlines::~socket_deadlines() {
  *self_ = nullptr;
  for (guard* g = head_; g;) {
    guard* next = g->next_;
    g->set_ = nullptr;
    g->linked_ = false;
    g->prev_ = g->next_ = nullptr;
    g = next;
  }
}

socket_deadlines::guard::guard(socket_deadlines& set, boost::asio::ip::tcp::socket& socket, clock::duration timeout)
    : set_(&set), socket_(&socket), at_(clock::now() + timeout) {
  set.link(*this);
}

void socket_deadlines::guard::disarm() {
  if (linked_ && set_) set_->unlink(*this);
}

void socket_deadlines::link(guard& g) {
  g.prev_ = nullptr;
  g.next_ = head_;
  if (head_) head_->prev_ = &g;
  head_ = &g;
  g.linked_ = true;
  ++armed_;
  if (g.at_ < timer_at_) wait_until(g.at_);
}

void socket_deadlines::unlink(guard& g) {
  if (g.prev_)
    g.prev_->next_ = g.next_;
  else
    head_ = g.next_;
  if (g.next_) g.next_->prev_ = g.prev_;
  g.prev_ = g.next_ = nullptr;
  g.linked_ = false;
  --armed_;
}

void socket_deadlines::wait_until(clock::time_point at) {
  timer_at_ = at;
  timer_.expires_at(at);  // a wait for a later time ends now, with operation_aborted
  timer_.async_wait([self = std::weak_ptr<socket_deadlines*>(self_), at](const boost::system::error_code& ec) {
    auto alive = self.lock();
    if (ec || !alive || !*alive) return;
    auto& set = **alive;
    if (set.timer_at_ == at) set.fire();  // else a newer wait took over
  });
}

void socket_deadlines::fire() {
  timer_at_ = clock::time_point::max();
  const auto now = clock::now();
  auto next = clock::time_point::max();
  for (guard* g = head_; g;) {
    guard* following = g->next_;
    if (g->at_ <= now) {
      unlink(*g);
      g->expired_ = true;
      boost::system::error_code ignored;
      g->socket_->cancel(ignored);  // its operation completes with operation_aborted
    } else if (g->at_ < next) {
      next = g->at_;
    }
    g = following;
  }
  if (next != clock::time_point::max()) wait_until(next);
}

}  // namespace sy::http
