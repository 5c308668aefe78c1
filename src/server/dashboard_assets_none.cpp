// The asset table of a binary built without the dashboard (-DSWITCHYARD_UI=OFF): empty, so
// "/" answers dashboard::not_built().
#include "server/dashboard_assets.h"

namespace sy::dashboard {

std::span<const asset> assets() {
  return {};
}

}  // namespace sy::dashboard
