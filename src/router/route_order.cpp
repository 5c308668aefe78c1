#include "router/route_order.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sy {

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The configured order with `lead` moved to the front.
std::vector<std::size_t> lead_then_rest(std::size_t n, std::size_t lead) {
  std::vector<std::size_t> out{lead};
  for (std::size_t i = 0; i < n; ++i)
    if (i != lead) out.push_back(i);
  return out;
}

}  // namespace

std::uint64_t hash_text(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return mix(h);
}

std::vector<std::size_t> order_targets(route_strategy strategy, std::span<const target_view> t, order_state& state,
                                       std::uint64_t key, std::uint64_t random) {
  const std::size_t n = t.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (n < 2) return order;
  switch (strategy) {
    case route_strategy::priority: break;
    case route_strategy::round_robin: {
      auto lead = static_cast<std::size_t>(state.turn++ % n);
      std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(lead), order.end());
      break;
    }
    case route_strategy::weighted: {
      // nginx's smooth weighted round-robin: every target gains its weight, the richest leads
      // and pays the total; over sum(weights) requests each leads exactly weight times
      if (state.current.size() != n) state.current.assign(n, 0);
      std::int64_t total = 0;
      std::size_t best = 0;
      for (std::size_t i = 0; i < n; ++i) {
        state.current[i] += t[i].weight;
        total += t[i].weight;
        if (state.current[i] > state.current[best]) best = i;
      }
      state.current[best] -= total;
      order = lead_then_rest(n, best);
      break;
    }
    case route_strategy::least_outstanding: {
      // the power of two choices: two distinct targets at random, the less loaded (per unit of
      // weight) leads
      std::size_t i = random % n, j = mix(random) % (n - 1);
      if (j >= i) ++j;
      auto load = [&](std::size_t k) { return double(t[k].in_flight) / std::max(1u, t[k].weight); };
      order = lead_then_rest(n, load(j) < load(i) ? j : i);
      break;
    }
    case route_strategy::least_latency: {
      // expected wait: latency × (requests in flight + 1); a target without samples costs 0 and
      // is explored first
      auto cost = [&](std::size_t k) { return t[k].latency_ms * (t[k].in_flight + 1) / std::max(1u, t[k].weight); };
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost(a) < cost(b); });
      break;
    }
    case route_strategy::consistent_hash: {
      // weighted rendezvous hashing: each target scores -weight / ln(u(key, target)); removing
      // a target moves only the keys it had
      auto score = [&](std::size_t k) {
        double u = (double(mix(key ^ t[k].id_hash) >> 11) + 0.5) / double(1ULL << 53);  // (0, 1)
        return -double(std::max(1u, t[k].weight)) / std::log(u);
      };
      std::vector<double> s(n);
      for (std::size_t k = 0; k < n; ++k) s[k] = score(k);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
      break;
    }
  }
  std::stable_partition(order.begin(), order.end(), [&](std::size_t k) { return t[k].healthy; });
  return order;
}

}  // namespace sy
