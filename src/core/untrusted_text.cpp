#include "core/untrusted_text.h"

#include <cstdint>

namespace sy {
namespace {

constexpr char hex[] = "0123456789abcdef";

void escape_byte(std::string& out, unsigned char b) {
  out += "\\x";
  out += hex[b >> 4];
  out += hex[b & 15];
}

// Length of the well-formed UTF-8 sequence at s[i] (2 to 4), 0 when it is not one. Overlong
// forms, surrogates and code points past U+10FFFF are not well formed (Unicode table 3-7).
size_t utf8_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return at(k) >= lo && at(k) <= hi; };
  unsigned b = at(0);
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b == 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b == 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b == 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b == 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

std::string terminal_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b == 0x7f) {
      escape_byte(out, b);
      ++i;
    } else if (b < 0x80) {
      out += char(b);
      ++i;
    } else if (size_t n = utf8_length(s, i); n == 0) {
      escape_byte(out, b);
      ++i;
    } else if (b == 0xc2 && static_cast<unsigned char>(s[i + 1]) <= 0x9f) {  // U+0080..U+009F
      out += "\\u00";
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      out += hex[c1 >> 4];
      out += hex[c1 & 15];
      i += 2;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : utf8_length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace sy
