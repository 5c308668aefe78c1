#pragma once
// Which loaded model gives way: pure decisions over a snapshot of the engines, so the policy is
// tested with an injected clock and no processes (engine_supervisor applies them).
//
// - A model with requests in flight, or one loading or stopping, is never chosen.
// - To make room, the least recently used idle model goes first.
// - A model idle for `idle_unload` or longer is unloaded (0 = never).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"

namespace sy::engine {

struct engine_usage {
  std::string name;
  bool loaded = false;  // ready (a child is up)
  bool busy = false;    // loading or stopping
  unsigned in_flight = 0;
  std::chrono::steady_clock::time_point last_used;
  std::uint64_t memory_bytes = 0;
};

// The model to unload so that another can load, or nullopt when every loaded model is in use.
std::optional<std::string> lru_victim(const std::vector<engine_usage>& engines, std::string_view loading);

// Models idle for at least `idle_unload` at `now`.
std::vector<std::string> idle_expired(const std::vector<engine_usage>& engines, duration idle_unload,
                                      std::chrono::steady_clock::time_point now);

}  // namespace sy::engine
