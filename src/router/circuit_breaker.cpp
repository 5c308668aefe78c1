#include "router/circuit_breaker.h"

#include <charconv>
#include <ctime>

namespace sy {

const char* to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "unknown";
}

void circuit_breaker::note(time_point now, breaker_state to, std::string why) {
  state_ = to;
  transitions_.push_back({now, to, std::move(why)});
  while (transitions_.size() > 8) transitions_.pop_front();
}

void circuit_breaker::trim(time_point now) {
  while (!recent_.empty() && now - recent_.front().first > s_.window) recent_.pop_front();
}

breaker_state circuit_breaker::state(time_point now) const {
  if (state_ == breaker_state::open && now >= open_until_) return breaker_state::half_open;
  return state_;
}

bool circuit_breaker::allow(time_point now) {
  if (state_ == breaker_state::open) {
    if (now < open_until_) return false;
    note(now, breaker_state::half_open, "pause over: probing");
    probes_out_ = probe_successes_ = 0;
  }
  if (state_ == breaker_state::half_open) {
    if (probes_out_ >= s_.probes) return false;
    ++probes_out_;
  }
  return true;
}

void circuit_breaker::on_abandoned() {
  if (state_ == breaker_state::half_open && probes_out_ > 0) --probes_out_;
}

void circuit_breaker::on_success(time_point now) {
  consecutive_ = 0;
  trim(now);
  recent_.emplace_back(now, false);
  if (state_ == breaker_state::half_open) {
    if (probes_out_ > 0) --probes_out_;
    if (++probe_successes_ >= s_.close_after) {
      trips_ = 0;
      recent_.clear();
      note(now, breaker_state::closed, "probes succeeded");
    }
  }
}

void circuit_breaker::open(time_point now, std::string why, time_point until) {
  open_until_ = until;
  probes_out_ = probe_successes_ = 0;
  note(now, breaker_state::open, std::move(why));
}

void circuit_breaker::on_failure(time_point now, std::string_view why) {
  trim(now);
  recent_.emplace_back(now, true);
  ++consecutive_;
  auto pause = [&] {
    ++trips_;
    auto d = s_.open_base;
    for (unsigned i = 1; i < trips_ && d < s_.open_max; ++i) d *= 2;
    return std::min(d, s_.open_max);
  };
  if (state_ == breaker_state::half_open) {
    open(now, "probe failed: " + std::string(why), now + pause());
    return;
  }
  if (state_ == breaker_state::open) return;  // answers of requests sent before it opened
  if (consecutive_ >= s_.consecutive_failures) {
    open(now, std::to_string(consecutive_) + " failures in a row, the last: " + std::string(why), now + pause());
    return;
  }
  if (recent_.size() >= s_.min_requests) {
    std::size_t failed = 0;
    for (const auto& r : recent_) failed += r.second;
    if (double(failed) / double(recent_.size()) > s_.failure_rate)
      open(now, std::to_string(failed) + " of the last " + std::to_string(recent_.size()) + " requests failed",
           now + pause());
  }
}

void circuit_breaker::cool_down(time_point now, time_point until) {
  if (until <= now) return;
  if (state_ == breaker_state::open && open_until_ >= until) return;
  open(now, "the target asked for a pause (Retry-After)", until);
}

std::optional<duration> parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now, duration max) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty() || v.size() > 64) return std::nullopt;
  if (v.front() >= '0' && v.front() <= '9') {
    std::uint64_t seconds = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec == std::errc::result_out_of_range) return max;
    if (ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;
    return std::min<duration>(std::chrono::seconds(std::min<std::uint64_t>(seconds, 1u << 30)), max);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  std::tm tm{};
  std::string text(v);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(::timegm(&tm));
  if (when <= now) return duration::zero();
  return std::min<duration>(std::chrono::duration_cast<duration>(when - now), max);
}

}  // namespace sy
