#include "server/request_sinks.h"

#include <algorithm>

#include <boost/json.hpp>

#include "core/log.h"
#include "core/rfc3339.h"
#include "server/route_table.h"

namespace sy {

namespace json = boost::json;

namespace {

std::int64_t micros(double seconds) {
  return static_cast<std::int64_t>(seconds * 1e6);
}

std::int64_t unix_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string access_log_text(const request_record& r) {
  json::object line;
  line["ts"] = format_rfc3339(unix_ns(r.finished_at), rfc3339_fraction::millis);
  line["request_id"] = r.request_id;
  if (!r.method.empty()) line["method"] = r.method;
  if (!r.path.empty()) line["path"] = std::string_view(r.path).substr(0, 256);
  line["status"] = r.status;
  line["duration_us"] = micros(r.seconds());
  if (!r.remote.empty()) line["remote"] = r.remote;
  if (auto fb = r.first_byte_seconds(); fb >= 0) line["first_byte_us"] = micros(fb);
  if (r.inference()) {
    line["model"] = r.requested_model;
    line["backend"] = r.backend;
    line["target"] = r.target;
    line["stream"] = r.stream;
  }
  if (r.bytes) line["bytes"] = r.bytes;
  if (r.prompt_tokens >= 0) line["prompt_tokens"] = r.prompt_tokens;
  if (r.completion_tokens >= 0) line["completion_tokens"] = r.completion_tokens;
  if (!r.error.empty()) line["error"] = r.error;
  if (!r.failure.empty()) line["failure"] = r.failure;
  if (!r.route.empty()) line["route"] = r.route;
  if (!r.client.empty()) line["client"] = r.client;
  if (!r.complete) line["complete"] = false;
  return json::serialize(line);
}

void access_log_sink::record(const request_record& r) {
  if (!enabled_()) return;
  write_access_log(access_log_text(r));
}

void usage_sink::record(const request_record& r) {
  if (!r.inference()) return;
  usage_record u;
  u.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.finished_at.time_since_epoch()).count();
  u.key_id = r.client;
  u.route = r.route;
  u.backend = r.backend;
  u.model = r.target;
  u.requested_model = r.requested_model;
  u.endpoint = r.path;
  u.status = r.status;
  u.input_tokens = std::max<std::int64_t>(r.prompt_tokens, 0);
  u.output_tokens = std::max<std::int64_t>(r.completion_tokens, 0);
  u.cached_tokens = std::max<std::int64_t>(r.cached_tokens, 0);
  u.stream = r.stream;
  u.complete = r.complete;
  u.duration_us = micros(r.seconds());
  auto fb = r.first_byte_seconds();
  u.ttft_us = fb < 0 ? -1 : micros(fb);
  u.request_id = r.request_id;
  u.attempts = r.attempts;
  u.error = r.error;
  if (r.captured) {
    u.captured = true;
    u.request_body = r.request_body;
    u.response_body = r.response_body;
  }
  ledger_.record(std::move(u));
}

void event_sink::record(const request_record& r) {
  if (!r.inference() || events_.subscribers() == 0) return;  // built only for someone listening
  json::object e{{"request_id", r.request_id},
                 {"path", r.path},
                 {"api", client_api(r.path)},
                 {"key", r.client},
                 {"model", r.requested_model},
                 {"route", r.route},
                 {"target", r.target},
                 {"backend", r.backend},
                 {"status", r.status},
                 {"stream", r.stream},
                 {"duration_ms", r.seconds() * 1e3},
                 {"prompt_tokens", std::max<std::int64_t>(r.prompt_tokens, 0)},
                 {"completion_tokens", std::max<std::int64_t>(r.completion_tokens, 0)},
                 {"complete", r.complete}};
  if (auto fb = r.first_byte_seconds(); fb >= 0) e["ttft_ms"] = fb * 1e3;
  if (!r.error.empty()) e["error"] = r.error;
  if (!r.attempts.empty()) e["attempts"] = r.attempts;
  events_.publish("request", json::serialize(e));
}

void metrics_sink::record(const request_record& r) {
  if (r.refused) {
    metrics_.record_refusal(r.status);
    return;
  }
  if (r.path.starts_with("/v1/") || r.inference())
    metrics_.record_request(r.backend, r.stats_target, r.status, r.seconds(), r.first_byte_seconds());
}

}  // namespace sy
