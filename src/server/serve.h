#pragma once
#include <functional>
#include <memory>

#include "core/config.h"

namespace sy {

// Reads the configuration again from where it came from (file, environment, flags); throws
// config_error when it is invalid.
using config_source = std::function<std::shared_ptr<const config>()>;

// Runs the gateway until SIGTERM or SIGINT, then drains: stops accepting, lets in-flight
// requests finish within server.shutdown_grace, and returns the process exit code. A second
// signal stops at once. SIGHUP (or POST /api/config/reload) reloads from `source`; an invalid
// configuration is refused and the running one stays. Prints
// "switchyard listening on http://HOST:PORT" once ready.
int serve(std::shared_ptr<const config> cfg, config_source source);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread, so that every thread started after
// it inherits the mask and serve()'s sigwait() is their only receiver. Call it first, before
// anything starts a thread (the async logger does): a thread started earlier would take a
// SIGHUP with its default action, and the gateway would die of a reload request.
void block_shutdown_signals();

}  // namespace sy
