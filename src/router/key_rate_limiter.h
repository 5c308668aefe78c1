#pragma once
// Per-client rate limits: requests and tokens per minute for each API key (or client address),
// over a sliding minute kept in six 10-second slots. Requests are counted when admitted;
// tokens when a request ends (its usage is known only then), so a client over its token
// limit is refused from its next request on, until the minute has moved past its spending.
//
// Threading: any thread (one mutex). Time comes from the injected clock.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.h"

namespace sy {

class key_rate_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using clock_fn = std::function<time_point()>;
  explicit key_rate_limiter(clock_fn now = [] { return std::chrono::steady_clock::now(); }) : now_(std::move(now)) {}

  struct refusal {
    std::string what;         // "requests" or "tokens"
    std::uint64_t limit = 0;  // per minute
    std::chrono::seconds retry_after{1};
  };
  // Admits one request of `client` under `limit` (counted), or says why not.
  std::optional<refusal> admit(const std::string& client, const rate_limit& limit);
  // Adds the tokens a finished request used.
  void spend_tokens(const std::string& client, std::uint64_t tokens);

 private:
  static constexpr int slots = 6;
  struct slot {
    std::int64_t index = -1;
    std::uint64_t requests = 0, tokens = 0;
  };
  struct window {
    std::array<slot, slots> ring{};
    time_point last_seen{};
  };
  static std::int64_t slot_of(time_point t);
  slot& current(window& w, time_point now);
  static std::uint64_t sum(const window& w, std::int64_t now_index, bool tokens);
  // The time until enough of the window has passed to fall below `limit`.
  static std::chrono::seconds wait_for(const window& w, std::int64_t now_index, bool tokens, std::uint64_t limit);

  clock_fn now_;
  std::mutex mutex_;
  std::map<std::string, window, std::less<>> clients_;
};

}  // namespace sy
