#include "core/rfc3339.h"

#include <cstdio>

namespace sy {

namespace {

constexpr std::int64_t ns_per_s = 1'000'000'000, s_per_day = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_rfc3339(std::int64_t unix_ns, rfc3339_fraction fraction) {
  std::int64_t secs = unix_ns / ns_per_s, frac = unix_ns % ns_per_s;
  if (frac < 0) {
    frac += ns_per_s;
    secs -= 1;
  }
  std::int64_t days = secs / s_per_day, rem = secs % s_per_day;
  if (rem < 0) {
    rem += s_per_day;
    days -= 1;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  std::string out;
  out.reserve(32);
  if (y >= 0 && y <= 9999) {  // the common case, without printf (it is on every Ollama answer)
    auto put = [&](std::int64_t v, int width, char after) {
      char digits[4];
      for (int i = width - 1; i >= 0; --i, v /= 10) digits[i] = static_cast<char>('0' + v % 10);
      out.append(digits, static_cast<std::size_t>(width));
      if (after) out.push_back(after);
    };
    put(y, 4, '-');
    put(m, 2, '-');
    put(d, 2, 'T');
    put(rem / 3600, 2, ':');
    put(rem / 60 % 60, 2, ':');
    put(rem % 60, 2, 0);
  } else {
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                          static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                          static_cast<long long>(rem % 60));
    out.assign(buf, static_cast<std::size_t>(n));
  }
  char buf[16];
  if (fraction == rfc3339_fraction::millis) {
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac / 1'000'000));
    out += buf;
  } else if (fraction == rfc3339_fraction::nanos_trimmed) {
    buf[0] = '.';
    for (int i = 9; i >= 1; --i, frac /= 10) buf[i] = static_cast<char>('0' + frac % 10);
    std::string_view f(buf, 10);
    while (f.size() > 2 && f.back() == '0') f.remove_suffix(1);
    out += f;
  }
  out += 'Z';
  return out;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  {
    std::int64_t cy = 0;
    unsigned cm = 0, cd = 0;
    civil_from_days(days, cy, cm, cd);
    if (cd != static_cast<unsigned>(d)) return std::nullopt;  // 2026-02-30 and the like
  }
  std::size_t pos = 19;
  std::int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) frac = frac * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) frac *= 10;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t secs = days * s_per_day + h * 3600 + mi * 60 + sec - offset;
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(secs, ns_per_s, &ns) || __builtin_add_overflow(ns, frac, &ns)) return std::nullopt;
  return ns;
}

}  // namespace sy
