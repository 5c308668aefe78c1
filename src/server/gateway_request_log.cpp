// Where a finished request's record goes: the access log, the usage ledger, the event stream and
// the metrics; and the access-log line of a request the server refused itself.
#include "server/gateway.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/local_backend_name.h"
#include "core/log.h"
#include "core/rfc3339.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "server/request_log.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

namespace {

// The fields every access-log line has: when, which request, what it asked, the answer's status,
// how long it took and from where. `method`/`path` are left out when unknown (a head that never
// parsed); the path is cut to 256 bytes.
json::object access_log_line(std::string_view request_id, std::string_view method, std::string_view path,
                             unsigned status, double seconds, const boost::beast::tcp_stream& stream) {
  json::object line;
  auto wall_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  line["ts"] = format_rfc3339(wall_ns.count(), rfc3339_fraction::millis);
  line["request_id"] = request_id;
  if (!method.empty()) line["method"] = method;
  if (!path.empty()) line["path"] = path.substr(0, 256);
  line["status"] = status;
  line["duration_us"] = static_cast<std::int64_t>(seconds * 1e6);
  boost::beast::error_code ec;
  auto remote = stream.socket().remote_endpoint(ec);
  if (!ec) line["remote"] = remote.address().to_string();
  return line;
}

}  // namespace

void gateway::finish(const gateway_state& st, const http::exchange& ex, const request_log& log) {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - ex.started).count();
  double first_byte = log.first_byte.time_since_epoch().count() == 0
                          ? -1
                          : std::chrono::duration<double>(log.first_byte - ex.started).count();
  if (log.path.starts_with("/v1/") || !log.requested_model.empty())
    metrics_.record_request(log.backend, log.stats_target, log.status, seconds, first_byte);
  if (!log.requested_model.empty()) {  // an inference request: usage, limits, the event stream
    auto tokens_in = std::max<std::int64_t>(log.prompt_tokens, 0),
         tokens_out = std::max<std::int64_t>(log.completion_tokens, 0);
    key_limits_.spend_tokens(log.client, static_cast<std::uint64_t>(tokens_in + tokens_out));
    if (usage_) {
      usage_record u;
      u.at_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      u.key_id = log.client;
      u.route = log.route;
      u.backend = log.backend;
      u.model = log.target;
      u.requested_model = log.requested_model;
      u.endpoint = log.path;
      u.status = log.status;
      u.input_tokens = tokens_in;
      u.output_tokens = tokens_out;
      u.cached_tokens = std::max<std::int64_t>(log.cached_tokens, 0);
      u.stream = log.stream;
      u.complete = log.complete;
      u.duration_us = static_cast<std::int64_t>(seconds * 1e6);
      u.ttft_us = first_byte < 0 ? -1 : static_cast<std::int64_t>(first_byte * 1e6);
      usage_->record(std::move(u));
    }
    if (events_.subscribers() > 0) {  // the summary is built only for someone listening
      json::object e{{"request_id", ex.request_id},
                     {"path", log.path},
                     {"model", log.requested_model},
                     {"route", log.route},
                     {"target", log.target},
                     {"backend", log.backend},
                     {"status", log.status},
                     {"stream", log.stream},
                     {"duration_ms", seconds * 1e3},
                     {"prompt_tokens", tokens_in},
                     {"completion_tokens", tokens_out},
                     {"complete", log.complete}};
      if (first_byte >= 0) e["ttft_ms"] = first_byte * 1e3;
      if (!log.error.empty()) e["error"] = log.error;
      events_.publish("request", json::serialize(e));
    }
  }
  if (!st.cfg->server.access_log) return;
  auto line = access_log_line(ex.request_id, ex.req.method_string(), log.path, log.status, seconds, ex.stream);
  if (first_byte >= 0) line["first_byte_us"] = static_cast<std::int64_t>(first_byte * 1e6);
  if (!log.requested_model.empty()) {
    line["model"] = log.requested_model;
    line["backend"] = log.backend;
    line["target"] = log.target;
    line["stream"] = log.stream;
  }
  if (log.bytes) line["bytes"] = log.bytes;
  if (log.prompt_tokens >= 0) line["prompt_tokens"] = log.prompt_tokens;
  if (log.completion_tokens >= 0) line["completion_tokens"] = log.completion_tokens;
  if (!log.error.empty()) line["error"] = log.error;
  if (!log.failure.empty()) line["failure"] = log.failure;
  if (!log.route.empty()) line["route"] = log.route;
  if (!log.client.empty()) line["client"] = log.client;
  if (!log.complete) line["complete"] = false;
  write_access_log(json::serialize(line));
}

void gateway::log_refused(const http::refused_request& r) {
  metrics_.record_refusal(r.status);
  if (!state()->cfg->server.access_log) return;
  std::string_view target = r.target;
  auto line = access_log_line(r.request_id, r.method, target.substr(0, target.find('?')), r.status,
                              std::chrono::duration<double>(r.took).count(), r.stream);
  line["error"] = r.message;
  write_access_log(json::serialize(line));
}

}  // namespace sy
