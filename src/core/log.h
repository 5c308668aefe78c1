#pragma once
// Logging. Diagnostics go through spdlog's default logger (stderr). Access-log lines (one JSON
// object per request) go through a separate asynchronous logger so the request path never waits
// on the terminal. Thread-safe after init_logging().
#include <string_view>

#include <spdlog/spdlog.h>

namespace sy {

// level: trace, debug, info, warn, error. Call once, before threads start.
void init_logging(std::string_view level = "info");

// Writes one access-log line (already formatted JSON, without newline).
void write_access_log(std::string_view json_line);

// Flushes queued lines; call before exit.
void flush_logs();

}  // namespace sy
