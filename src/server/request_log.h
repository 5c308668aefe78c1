#pragma once
// Private to the gateway's translation units: what one request's access-log line and metrics say.
#include <chrono>
#include <cstdint>
#include <string>

#include "server/gateway.h"

namespace sy {

// What the access log and metrics learn about one request as it is handled.
struct gateway::request_log {
  std::string path;
  std::string requested_model;
  std::string backend = "none";
  std::string target = "none";
  std::string stats_target = "none";  // target, or "<backend>/(other)" for a name a client made up (metrics)
  std::string route;                  // the route it came through, if any
  std::string client;                 // the API key's name or fingerprint, or "ip:<address>"
  std::int64_t cached_tokens = -1;
  bool complete = true;  // false: the response was cut short
  unsigned status = 0;
  bool stream = false;
  std::string error;
  std::string failure;
  std::int64_t prompt_tokens = -1, completion_tokens = -1;
  std::uint64_t bytes = 0;
  std::chrono::steady_clock::time_point first_byte{};
};

}  // namespace sy
