#pragma once
#include <memory>

#include "core/config.h"

namespace sy {

// Runs the gateway until SIGTERM or SIGINT, then drains: stops accepting, lets in-flight
// requests finish within server.shutdown_grace, and returns the process exit code. A second
// signal stops at once. Prints "switchyard listening on http://HOST:PORT" once ready.
int serve(std::shared_ptr<const config> cfg);

}  // namespace sy
