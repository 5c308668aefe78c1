#pragma once
// Where finished requests go. Each sink takes the one request_record and writes its own form of
// it; the gateway calls every sink once per request (refusals included), on the worker thread
// that served the request. A sink must not block or throw.
#include <functional>
#include <memory>
#include <vector>

#include "server/event_hub.h"
#include "server/metrics.h"
#include "server/request_record.h"
#include "server/usage_store.h"

namespace sy {

class request_sink {
 public:
  virtual ~request_sink() = default;
  virtual void record(const request_record& r) = 0;
};

// One JSON line per request on the access log (core/log.h), while `enabled()` says so (the
// setting can change on reload).
class access_log_sink : public request_sink {
 public:
  explicit access_log_sink(std::function<bool()> enabled) : enabled_(std::move(enabled)) {}
  void record(const request_record& r) override;

 private:
  std::function<bool()> enabled_;
};

// Inference requests into the usage ledger (queued: the ledger writes on its own thread).
class usage_sink : public request_sink {
 public:
  explicit usage_sink(usage_store& ledger) : ledger_(ledger) {}
  void record(const request_record& r) override;

 private:
  usage_store& ledger_;
};

// Inference requests as "request" events on /api/events (built only while someone listens).
class event_sink : public request_sink {
 public:
  explicit event_sink(event_hub& events) : events_(events) {}
  void record(const request_record& r) override;

 private:
  event_hub& events_;
};

// Request counts, latencies and refusals for /metrics.
class metrics_sink : public request_sink {
 public:
  explicit metrics_sink(gateway_metrics& metrics) : metrics_(metrics) {}
  void record(const request_record& r) override;

 private:
  gateway_metrics& metrics_;
};

// The access-log line of a record, as written (for tests and the sink).
std::string access_log_text(const request_record& r);

}  // namespace sy
