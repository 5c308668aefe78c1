// The relay's one-pass usage reader (backends/reported_usage.cpp) on any bytes: never crashes,
// and says what the same rules read from a JSON tree say (the same counts or the same error).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../tests/support/usage_tree_oracle.h"
#include "backends/reported_usage.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view doc(reinterpret_cast<const char*>(data), size);
  boost::system::error_code fast_ec, tree_ec;
  auto fast = sy::backends::read_reported_usage(doc, fast_ec);
  auto tree = sy::test::usage_from_tree(doc, tree_ec);
  if (fast_ec != tree_ec || !sy::test::same_usage(fast, tree)) std::abort();
  return 0;
}
