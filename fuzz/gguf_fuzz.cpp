// Fuzz target: the GGUF header reader, then the inspector's report on whatever it accepted.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sy::gguf::memory_source src(std::as_bytes(std::span(data, size)));
  sy::gguf::gguf_limits limits;
  limits.max_metadata_bytes = 64 << 20;  // keep the fuzzer's RSS bounded
  try {
    auto f = sy::gguf::read_gguf(src, limits);
    sy::gguf::inspect_options opt;
    opt.available_bytes = 1;  // skip /proc/meminfo
    opt.contexts = {1, 4096};
    auto r = sy::gguf::build_report(f, "fuzz", opt);
    (void)sy::gguf::format_text(r);
    (void)sy::gguf::format_json(r);
  } catch (const sy::gguf::gguf_error&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
