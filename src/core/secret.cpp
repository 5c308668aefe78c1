#include "core/secret.h"

namespace sy {

std::string mask_secret(std::string_view secret) {
  if (secret.empty()) return "";
  if (secret.size() < 16) return "********";
  return "********" + std::string(secret.substr(secret.size() - 4));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

}  // namespace sy
