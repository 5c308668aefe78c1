#include "engine/eviction.h"

namespace sy::engine {

std::optional<std::string> lru_victim(const std::vector<engine_usage>& engines, std::string_view loading) {
  const engine_usage* best = nullptr;
  for (const auto& e : engines) {
    if (!e.loaded || e.busy || e.in_flight > 0 || e.name == loading) continue;
    if (!best || e.last_used < best->last_used) best = &e;
  }
  if (!best) return std::nullopt;
  return best->name;
}

std::vector<std::string> idle_expired(const std::vector<engine_usage>& engines, duration idle_unload,
                                      std::chrono::steady_clock::time_point now) {
  std::vector<std::string> out;
  if (idle_unload <= duration::zero()) return out;
  for (const auto& e : engines)
    if (e.loaded && !e.busy && e.in_flight == 0 && now - e.last_used >= idle_unload) out.push_back(e.name);
  return out;
}

}  // namespace sy::engine
