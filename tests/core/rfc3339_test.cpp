#include "core/rfc3339.h"

#include <gtest/gtest.h>

using sy::format_rfc3339;
using sy::parse_rfc3339;
using sy::rfc3339_fraction;

namespace {
constexpr std::int64_t fixed_ns = 1'700'000'000'123'456'000;  // 2023-11-14T22:13:20.123456Z
}

TEST(rfc3339, writes_utc_at_each_precision) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.0Z");  // Ollama's shape: one digit at least
  EXPECT_EQ(format_rfc3339(fixed_ns), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_rfc3339(fixed_ns, rfc3339_fraction::millis), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_rfc3339(0, rfc3339_fraction::millis), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(fixed_ns, rfc3339_fraction::none), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_rfc3339(-1, rfc3339_fraction::none), "1969-12-31T23:59:59Z");  // dropped, not rounded
}

TEST(rfc3339, reads_offsets_fractions_and_separators) {
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20.123456Z"), fixed_ns);
  EXPECT_EQ(parse_rfc3339("2023-08-04T08:52:19.385406455-07:00"), 1691164339385406455);
  EXPECT_EQ(parse_rfc3339("2023-08-04T15:52:19.385406455+00:00"), 1691164339385406455);
  EXPECT_EQ(parse_rfc3339("2023-08-04 15:52:19.3854064551234z"), 1691164339385406455);  // past 9 digits: dropped
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800'000'000'000);
}

TEST(rfc3339, refuses_what_is_not_a_time) {
  for (auto bad : {"", "2023-11-14", "2023-13-01T00:00:00Z", "2023-11-14T22:13:20", "2023-11-14T22:13:20.Z",
                   "2023-11-14T22:13:20Zjunk", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
                   "2023-11-14T22:13:20+0700", "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                   "2026-11-26T24:00:00Z", "2026-11-26T00:00Z", "2026-11-26T00:60:00Z", "2026-11-26X00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(rfc3339, round_trips) {
  for (std::int64_t ns :
       {std::int64_t{0}, fixed_ns, std::int64_t{-5'000'000'001}, std::int64_t{4'102'444'800'000'000'000}})
    EXPECT_EQ(parse_rfc3339(format_rfc3339(ns)), ns);
}
