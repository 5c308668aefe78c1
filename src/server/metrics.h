#pragma once
// The gateway's counters, in one place, rendered in Prometheus text format.
//
// Threading: record_*() are called from any worker; series are found under a shared lock and
// updated with relaxed atomics. Label values come only from configuration (backend and model
// ids), never from raw client input, so the number of series stays bounded.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

namespace sy {

class gateway_metrics {
 public:
  // A request finished. backend/model are "none" when it never reached one.
  void record_request(const std::string& backend, const std::string& model, unsigned status, double seconds,
                      double first_byte_seconds);
  void record_upstream_error(const std::string& backend, const std::string& reason);
  void record_tokens(const std::string& backend, const std::string& model, std::int64_t prompt,
                     std::int64_t completion);
  void in_flight_add(const std::string& backend, int delta);
  // A request to `backend` in flight while the guard lives.
  class in_flight_guard {
   public:
    in_flight_guard(gateway_metrics& m, std::string backend) : m_(m), backend_(std::move(backend)) {
      m_.in_flight_add(backend_, 1);
    }
    in_flight_guard(const in_flight_guard&) = delete;
    in_flight_guard& operator=(const in_flight_guard&) = delete;
    ~in_flight_guard() { m_.in_flight_add(backend_, -1); }

   private:
    gateway_metrics& m_;
    std::string backend_;
  };
  // The server answered a request itself before routing (400, 403, 408, 413, 421, 431, 501).
  void record_refusal(unsigned status);

  // Extra lines appended to the rendering (pool counters owned elsewhere).
  using extra_renderer = std::function<void(std::string&)>;
  std::string render(const extra_renderer& extra = {}) const;

  static constexpr std::array<double, 15> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,      2.5,   5,    10,    30,   120};

 private:
  struct histogram {
    std::array<std::atomic<std::uint64_t>, buckets.size() + 1> counts{};
    std::atomic<std::uint64_t> sum_micros{0};
    void observe(double seconds);
  };
  struct model_series {
    std::array<std::atomic<std::uint64_t>, 600> by_status{};  // index: HTTP status (0 = none sent)
    histogram duration;
    histogram first_byte;
    std::atomic<std::uint64_t> prompt_tokens{0}, completion_tokens{0};
  };
  model_series& series(const std::string& backend, const std::string& model);

  mutable std::shared_mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<model_series>> models_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::atomic<std::uint64_t>>> upstream_errors_;
  std::map<std::string, std::unique_ptr<std::atomic<std::int64_t>>> in_flight_;
  std::array<std::atomic<std::uint64_t>, 600> refused_{};  // by status
};

// Escapes a Prometheus label value.
std::string prom_escape(std::string_view v);

}  // namespace sy
