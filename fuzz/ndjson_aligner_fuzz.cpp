// Fuzz target: whatever the bytes and however they are split, the NDJSON aligner forwards only
// whole lines, in order; without a line over its limit it forwards exactly the input (with the
// last line at flush), and with one it fails at that line, having forwarded only the whole lines
// before it, and refuses everything after.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/ndjson_aligner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  constexpr std::size_t max_line = 64;
  std::size_t step = 1 + data[0] % 23;  // the first byte picks how the stream is cut
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  // where the first line over the limit starts (npos: none); a line's '\n' is not counted
  std::size_t too_long_at = std::string_view::npos;
  for (std::size_t start = 0; start <= in.size();) {
    auto nl = in.find('\n', start);
    auto end = nl == std::string_view::npos ? in.size() : nl;
    if (end - start > max_line) {
      too_long_at = start;
      break;
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }

  sy::http::ndjson_aligner a(max_line);
  std::string out;
  bool failed = false;
  for (std::size_t i = 0; i < in.size(); i += step) {
    auto piece = a.push(in.substr(i, step));
    if (!piece) {
      if (!a.failed()) std::abort();
      failed = true;
      continue;
    }
    if (failed) std::abort();                                    // nothing after a failure
    if (!piece->empty() && piece->back() != '\n') std::abort();  // only whole lines
    if (a.pending() > max_line) std::abort();                    // bounded
    out.append(*piece);
  }
  if (failed != (too_long_at != std::string_view::npos)) std::abort();
  if (failed) {
    if (!a.flush().empty()) std::abort();
    if (out != in.substr(0, out.size()) || out.size() > too_long_at) std::abort();
  } else {
    out.append(a.flush());
    if (out != in) std::abort();
  }
  return 0;
}
