// Fuzz target: whatever the bytes and however they are split, the aligner forwards exactly the
// input, in order, and holds back only an incomplete last event.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/sse_aligner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t step = 1 + data[0] % 17;  // the first byte picks how the stream is cut
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  sy::http::sse_aligner a(64);
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += step) {
    auto piece = a.push(in.substr(i, step));
    if (!piece.empty() && sy::http::last_event_end(piece) != piece.size() && piece.size() <= 64 && a.pending() != 0)
      std::abort();  // a forwarded piece ends on a boundary unless it was an oversized event
    out.append(piece);
  }
  out.append(a.flush());
  if (out != in) std::abort();
  return 0;
}
