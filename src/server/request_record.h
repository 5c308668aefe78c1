#pragma once
// One request's record: filled once as the request is handled (route, target, attempts, status,
// time to first byte, tokens, bytes, error), then handed to every sink (request_sinks.h): the
// access log, the usage ledger, the event stream, the metrics — and, next, the dashboard's
// request log. Nothing else copies what a request did.
#include <chrono>
#include <cstdint>
#include <string>

namespace sy {

struct request_record {
  // who asked what
  std::string request_id;
  std::string method;           // empty when the head never parsed (a refusal)
  std::string path;             // without the query
  std::string remote;           // the client's address, when known
  std::string client;           // the API key's name or fingerprint, or "ip:<address>"
  std::string requested_model;  // empty: not an inference request
  // where it went
  std::string route;  // the route it came through, if any
  std::string backend = "none";
  std::string target = "none";
  std::string stats_target = "none";  // target, or "<backend>/(other)" for a name a client made up (metrics)
  std::string attempts;               // "id: why; ..." of the targets that failed before one answered
  // how it ended
  unsigned status = 0;
  bool stream = false;
  bool complete = true;  // false: the response was cut short
  bool refused = false;  // answered by the server itself before any handler (framing, limits, Host...)
  std::string error;
  std::string failure;  // how the upstream failed (connect, timeout, ...), if it did
  std::int64_t prompt_tokens = -1, completion_tokens = -1, cached_tokens = -1;  // -1: unknown
  // observability.capture_bodies: the request body and what the client was sent (capped,
  // secrets masked); empty otherwise
  bool captured = false;
  std::string request_body, response_body;
  std::uint64_t bytes = 0;
  // when
  std::chrono::steady_clock::time_point started{};
  std::chrono::steady_clock::time_point first_byte{};  // zero: no byte reached the client
  std::chrono::steady_clock::duration duration{};      // set when it finished
  std::chrono::system_clock::time_point finished_at{};

  bool inference() const { return !requested_model.empty(); }
  // Seconds from the start to the first byte; negative when none went out.
  double first_byte_seconds() const {
    return first_byte.time_since_epoch().count() == 0 ? -1
                                                      : std::chrono::duration<double>(first_byte - started).count();
  }
  double seconds() const { return std::chrono::duration<double>(duration).count(); }
};

}  // namespace sy
