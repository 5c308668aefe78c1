// A finished request's record, completed and handed to the sinks (request_sinks.h): the access
// log, the usage ledger, the event stream and the metrics; also for a request the server refused.
#include "server/gateway.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/local_backend_name.h"
#include "core/log.h"
#include "core/rfc3339.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "server/request_record.h"

namespace sy {

namespace json = boost::json;
namespace bhttp = http::bhttp;

void gateway::finish(const http::exchange& ex, request_record& log) {
  log.request_id = ex.request_id;
  log.method = std::string(ex.req.method_string());
  log.started = ex.started;
  log.duration = std::chrono::steady_clock::now() - ex.started;
  log.finished_at = std::chrono::system_clock::now();
  log.remote = ex.peer;
  if (log.inference())  // tokens count against the key's per-minute limit
    key_limits_.spend_tokens(log.client, static_cast<std::uint64_t>(std::max<std::int64_t>(log.prompt_tokens, 0) +
                                                                    std::max<std::int64_t>(log.completion_tokens, 0)));
  for (const auto& sink : sinks_) sink->record(log);
}

void gateway::log_refused(const http::refused_request& r) {
  request_record record;
  record.refused = true;
  record.request_id = std::string(r.request_id);
  record.method = std::string(r.method);
  record.path = std::string(r.target.substr(0, r.target.find('?')));
  record.status = r.status;
  record.error = std::string(r.message);
  record.duration = r.took;
  record.finished_at = std::chrono::system_clock::now();
  boost::beast::error_code ec;
  if (auto remote = r.stream.socket().remote_endpoint(ec); !ec) record.remote = remote.address().to_string();
  for (const auto& sink : sinks_) sink->record(record);
}

}  // namespace sy
