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

}  // namespace sy
