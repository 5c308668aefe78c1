#pragma once
// The order in which a route tries its targets for one request: the strategy picks the lead,
// the others follow as fallbacks. Targets that are unhealthy (failed health checks, circuit
// open) keep their relative order but go last: they are tried only when the others fail.
//
// Pure logic; the caller holds whatever lock guards `state`.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace sy {

// What the strategy may look at for one target.
struct target_view {
  std::uint64_t id_hash = 0;  // hash_text(id): stable across processes and reloads
  unsigned weight = 1;
  int in_flight = 0;
  double latency_ms = 0;  // peak-EWMA of time to first token; 0 = no sample yet
  bool healthy = true;
};

// Per-route memory of the rotating strategies.
struct order_state {
  std::uint64_t turn = 0;             // round_robin
  std::vector<std::int64_t> current;  // weighted: smooth weighted round-robin
};

// `key`: the request's hash key (consistent_hash); `random`: a fresh random number
// (least_outstanding's two choices).
std::vector<std::size_t> order_targets(route_strategy strategy, std::span<const target_view> targets,
                                       order_state& state, std::uint64_t key, std::uint64_t random);

// 64-bit FNV-1a followed by a finalizer: stable, fast, well mixed for short keys.
std::uint64_t hash_text(std::string_view text);

}  // namespace sy
