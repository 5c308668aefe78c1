#pragma once
#include <memory>

#include "cli/commands.h"
#include "core/config_sources.h"
#include "store/model_library.h"

namespace sy::cli {

// Defaults < file (--config, else the default path) < environment < flags, then validate().
// Throws config_error.
std::shared_ptr<const config> effective_config(const config_options& opts, load_report* report);

// The local store `cfg` describes (models.home, models.paths), brought in line with the disk
// (warnings are logged). Throws store::store_error.
store::model_library open_library(const config& cfg);

}  // namespace sy::cli
