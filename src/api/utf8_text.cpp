#include "api/utf8_text.h"

#include <algorithm>

namespace sy::api {

namespace {

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629, table 3-7 of the
// Unicode standard), or 0 when there is none.
std::size_t sequence_length(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t n = b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0;
  if (n == 0 || s.size() < n) return 0;
  // the second byte's range depends on the first (no overlongs, surrogates, or > U+10FFFF)
  unsigned char lo = 0x80, hi = 0xbf;
  if (b0 == 0xe0) lo = 0xa0;
  if (b0 == 0xed) hi = 0x9f;
  if (b0 == 0xf0) lo = 0x90;
  if (b0 == 0xf4) hi = 0x8f;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  return n;
}

}  // namespace

std::string utf8_prefix(std::string_view s, std::size_t max_bytes) {
  constexpr std::string_view replacement = "\xef\xbf\xbd";  // U+FFFD
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  for (std::size_t at = 0; at < s.size();) {
    std::size_t n = sequence_length(s.substr(at));
    std::string_view piece = n ? s.substr(at, n) : replacement;
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    at += n ? n : 1;
  }
  return out;
}

}  // namespace sy::api
