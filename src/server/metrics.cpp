#include "server/metrics.h"

#include <mutex>

#include <fmt/format.h>

namespace sy {

std::string prom_escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void gateway_metrics::histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < buckets.size() && seconds > buckets[i]) ++i;
  counts[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

template <class Map, class Key, class Make>
static auto& find_or_add(std::shared_mutex& m, Map& map, const Key& key, Make make) {
  {
    std::shared_lock lock(m);
    if (auto it = map.find(key); it != map.end()) return *it->second;
  }
  std::unique_lock lock(m);
  auto& slot = map[key];
  if (!slot) slot = make();
  return *slot;
}

gateway_metrics::model_series& gateway_metrics::series(const std::string& backend, const std::string& model) {
  return find_or_add(mutex_, models_, std::make_pair(backend, model), [] { return std::make_unique<model_series>(); });
}

void gateway_metrics::record_request(const std::string& backend, const std::string& model, unsigned status,
                                     double seconds, double first_byte_seconds) {
  auto& s = series(backend, model);
  s.by_status[status < s.by_status.size() ? status : 0].fetch_add(1, std::memory_order_relaxed);
  s.duration.observe(seconds);
  if (first_byte_seconds >= 0) s.first_byte.observe(first_byte_seconds);
}

void gateway_metrics::record_tokens(const std::string& backend, const std::string& model, std::int64_t prompt,
                                    std::int64_t completion) {
  auto& s = series(backend, model);
  if (prompt > 0) s.prompt_tokens.fetch_add(static_cast<std::uint64_t>(prompt), std::memory_order_relaxed);
  if (completion > 0) s.completion_tokens.fetch_add(static_cast<std::uint64_t>(completion), std::memory_order_relaxed);
}

void gateway_metrics::record_upstream_error(const std::string& backend, const std::string& reason) {
  find_or_add(mutex_, upstream_errors_, std::make_pair(backend, reason), [] {
    return std::make_unique<std::atomic<std::uint64_t>>(0);
  }).fetch_add(1, std::memory_order_relaxed);
}

void gateway_metrics::in_flight_add(const std::string& backend, int delta) {
  find_or_add(mutex_, in_flight_, backend, [] {
    return std::make_unique<std::atomic<std::int64_t>>(0);
  }).fetch_add(delta, std::memory_order_relaxed);
}

void gateway_metrics::record_refusal(unsigned status) {
  refused_[std::min<std::size_t>(status, refused_.size() - 1)].fetch_add(1, std::memory_order_relaxed);
}

std::string gateway_metrics::render(const extra_renderer& extra) const {
  std::string out;
  std::shared_lock lock(mutex_);
  auto labels = [](const auto& key) {
    return fmt::format("backend=\"{}\",model=\"{}\"", prom_escape(key.first), prom_escape(key.second));
  };
  out += "# HELP switchyard_requests_total Requests answered, by backend, model and HTTP status.\n";
  out += "# TYPE switchyard_requests_total counter\n";
  for (const auto& [key, s] : models_)
    for (std::size_t code = 0; code < s->by_status.size(); ++code)
      if (auto n = s->by_status[code].load(); n > 0)
        out += fmt::format("switchyard_requests_total{{{},code=\"{}\"}} {}\n", labels(key), code, n);
  auto render_hist = [&](const char* name, const char* help, histogram model_series::*member) {
    out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
    for (const auto& [key, s] : models_) {
      const auto& h = (*s).*member;
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < buckets.size(); ++i) {
        cumulative += h.counts[i].load();
        out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels(key), buckets[i], cumulative);
      }
      cumulative += h.counts[buckets.size()].load();
      out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels(key), cumulative);
      out += fmt::format("{}_sum{{{}}} {:.6f}\n", name, labels(key), static_cast<double>(h.sum_micros.load()) / 1e6);
      out += fmt::format("{}_count{{{}}} {}\n", name, labels(key), cumulative);
    }
  };
  render_hist("switchyard_request_duration_seconds", "Time from request received to response complete.",
              &model_series::duration);
  render_hist("switchyard_first_byte_seconds", "Time from request received to the first response body byte sent.",
              &model_series::first_byte);
  out += "# HELP switchyard_tokens_total Tokens reported by upstreams, by direction.\n";
  out += "# TYPE switchyard_tokens_total counter\n";
  for (const auto& [key, s] : models_) {
    out += fmt::format("switchyard_tokens_total{{{},direction=\"prompt\"}} {}\n", labels(key), s->prompt_tokens.load());
    out += fmt::format("switchyard_tokens_total{{{},direction=\"completion\"}} {}\n", labels(key),
                       s->completion_tokens.load());
  }
  out += "# HELP switchyard_upstream_errors_total Failed upstream exchanges, by backend and reason.\n";
  out += "# TYPE switchyard_upstream_errors_total counter\n";
  for (const auto& [key, n] : upstream_errors_)
    out += fmt::format("switchyard_upstream_errors_total{{backend=\"{}\",reason=\"{}\"}} {}\n", prom_escape(key.first),
                       prom_escape(key.second), n->load());
  out += "# HELP switchyard_requests_in_flight Requests being answered, by backend.\n";
  out += "# TYPE switchyard_requests_in_flight gauge\n";
  for (const auto& [backend, n] : in_flight_)
    out += fmt::format("switchyard_requests_in_flight{{backend=\"{}\"}} {}\n", prom_escape(backend), n->load());
  out += "# HELP switchyard_requests_refused_total Requests the server refused before routing, by HTTP status.\n";
  out += "# TYPE switchyard_requests_refused_total counter\n";
  for (std::size_t code = 0; code < refused_.size(); ++code)
    if (auto n = refused_[code].load(); n > 0)
      out += fmt::format("switchyard_requests_refused_total{{code=\"{}\"}} {}\n", code, n);
  lock.unlock();
  if (extra) extra(out);
  return out;
}

}  // namespace sy
