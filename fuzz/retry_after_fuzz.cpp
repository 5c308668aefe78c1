// Fuzz target: an upstream's Retry-After value. Whatever it says, the pause is absent or within
// [0, max]: a hostile upstream cannot park a target for longer than the clamp.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "router/circuit_breaker.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000));
  auto max = std::chrono::minutes(5);
  auto pause = sy::parse_retry_after(in, now, max);
  if (pause && (*pause < sy::duration::zero() || *pause > max)) std::abort();
  return 0;
}
