#pragma once
#include <memory>

#include "cli/commands.h"
#include "core/config_sources.h"

namespace sy::cli {

// Defaults < file (--config, else the default path) < environment < flags, then validate().
// Throws config_error.
std::shared_ptr<const config> effective_config(const config_options& opts, load_report* report);

}  // namespace sy::cli
