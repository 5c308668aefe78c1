// Fuzz target: the GGUF header reader (arrays past the kept bound tallied and skipped), then the
// inspector's report on whatever it accepted, as text and as JSON that must parse.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include <boost/json.hpp>

#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sy::gguf::memory_source src(std::as_bytes(std::span(data, size)));
  sy::gguf::gguf_limits limits;  // the defaults bound what a header costs in memory
  // odd-sized inputs keep 4 elements per array, so short inputs reach the tallying and skipping
  if (size % 2) limits.max_array_kept = 4;
  try {
    auto f = sy::gguf::read_gguf(src, limits);
    sy::gguf::inspect_options opt;
    opt.available_bytes = 1;  // skip /proc/meminfo
    opt.contexts = {1, 4096};
    auto r = sy::gguf::build_report(f, "fuzz", opt);
    // the text report never carries a control character but its own newlines, and the JSON parses
    for (char c : sy::gguf::format_text(r))
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f) __builtin_trap();
    boost::system::error_code ec;
    (void)boost::json::parse(sy::gguf::format_json(r), ec);
    if (ec) __builtin_trap();
  } catch (const sy::gguf::gguf_error&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
