#include "router/key_rate_limiter.h"

#include <algorithm>

namespace sy {

namespace {
constexpr std::int64_t slot_seconds = 10;
}

std::int64_t key_rate_limiter::slot_of(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() / slot_seconds;
}

key_rate_limiter::slot& key_rate_limiter::current(window& w, time_point now) {
  auto index = slot_of(now);
  auto& s = w.ring[static_cast<std::size_t>(index % slots)];
  if (s.index != index) s = slot{index, 0, 0};
  return s;
}

std::uint64_t key_rate_limiter::sum(const window& w, std::int64_t now_index, bool tokens) {
  std::uint64_t total = 0;
  for (const auto& s : w.ring)
    if (s.index >= 0 && now_index - s.index < slots) total += tokens ? s.tokens : s.requests;
  return total;
}

std::chrono::seconds key_rate_limiter::wait_for(const window& w, std::int64_t now_index, bool tokens,
                                                std::uint64_t limit) {
  // drop the oldest slots one by one until the rest is under the limit
  std::uint64_t total = sum(w, now_index, tokens);
  for (std::int64_t age = slots - 1; age >= 0; --age) {
    if (total < limit) return std::chrono::seconds((slots - 1 - age) * slot_seconds + 1);
    if (now_index - age < 0) continue;
    const auto& s = w.ring[static_cast<std::size_t>((now_index - age) % slots)];
    if (s.index == now_index - age) total -= tokens ? s.tokens : s.requests;
  }
  return std::chrono::seconds(slots * slot_seconds);
}

std::optional<key_rate_limiter::refusal> key_rate_limiter::admit(const std::string& client, const rate_limit& limit) {
  if (!limit.any()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto now = now_();
  auto index = slot_of(now);
  auto& w = clients_[client];
  w.last_seen = now;
  if (limit.requests_per_minute > 0 && sum(w, index, false) >= limit.requests_per_minute)
    return refusal{"requests", limit.requests_per_minute, wait_for(w, index, false, limit.requests_per_minute)};
  if (limit.tokens_per_minute > 0 && sum(w, index, true) >= limit.tokens_per_minute)
    return refusal{"tokens", limit.tokens_per_minute, wait_for(w, index, true, limit.tokens_per_minute)};
  ++current(w, now).requests;
  // forget clients quiet for more than the window (bounded memory with many addresses)
  if (clients_.size() > 10000)
    std::erase_if(clients_, [&](const auto& kv) { return now - kv.second.last_seen > std::chrono::minutes(2); });
  return std::nullopt;
}

void key_rate_limiter::spend_tokens(const std::string& client, std::uint64_t tokens) {
  if (tokens == 0) return;
  std::lock_guard lock(mutex_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;  // no limit applies to it
  current(it->second, now_()).tokens += tokens;
}

}  // namespace sy
