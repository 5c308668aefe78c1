// Fuzz target: any bytes as a config file either parse or raise config_error; never a crash
// or another exception.
#include <cstdint>
#include <string>

#include "core/config_sources.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto env = [](const std::string&) -> std::optional<std::string> { return std::string("x"); };
  try {
    auto cfg = sy::parse_config_yaml(text, "fuzz.yaml", env);
    sy::validate(cfg);
    (void)sy::to_masked_yaml(cfg);
  } catch (const sy::config_error&) {
  }
  return 0;
}
