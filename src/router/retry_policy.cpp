#include "router/retry_policy.h"

#include <algorithm>

namespace sy {

retry_policy::retry_policy(std::size_t plan_size, bool guarded, const retry_settings& settings, clock_fn now,
                           random_fn random)
    : plan_size_(plan_size),
      max_sends_(!guarded                     ? 1
                 : settings.max_attempts == 0 ? plan_size
                                              : settings.max_attempts),
      steps_(guarded ? std::max(plan_size, max_sends_) : 1),
      settings_(settings),
      now_(std::move(now)),
      random_(std::move(random)) {}

std::optional<std::size_t> retry_policy::next() {
  if (started_) ++step_;
  started_ = true;
  if (plan_size_ == 0 || step_ >= steps_ || sends_ >= max_sends_) return std::nullopt;
  return step_ % plan_size_;
}

std::optional<std::size_t> retry_policy::following() const {
  if (plan_size_ == 0 || step_ + 1 >= steps_ || sends_ >= max_sends_) return std::nullopt;
  return (step_ + 1) % plan_size_;
}

duration retry_policy::backoff() const {
  if (!is_retry() || step_ < plan_size_) return duration::zero();  // a target's first try: no wait
  const auto round = std::min<std::size_t>(step_ / plan_size_, 16);
  const auto cap = std::min<duration>(settings_.backoff_max, settings_.backoff_base * (1LL << round));
  return duration(random_(cap.count()));
}

void retry_policy::limit_total(time_point request_started, duration total) {
  if (!deadline_ && total > duration::zero()) deadline_ = request_started + total;
}

}  // namespace sy
