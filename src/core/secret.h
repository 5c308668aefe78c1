#pragma once
#include <string>
#include <string_view>

namespace sy {

// How a secret is shown anywhere a person can read it (config show, logs, errors, the admin
// API): never in full. Long secrets keep their last 4 characters so a person can tell keys apart.
std::string mask_secret(std::string_view secret);

// Compares in time that depends only on the lengths, not on where the first difference is.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sy
