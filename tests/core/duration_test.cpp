#include "core/duration.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(duration, parses_units_and_bare_seconds) {
  EXPECT_EQ(sy::parse_duration("250ms"), sy::duration(250));
  EXPECT_EQ(sy::parse_duration("10s"), sy::duration(10s));
  EXPECT_EQ(sy::parse_duration("5m"), sy::duration(5min));
  EXPECT_EQ(sy::parse_duration("1h"), sy::duration(1h));
  EXPECT_EQ(sy::parse_duration("7d"), sy::duration(7 * 24h));
  EXPECT_EQ(sy::format_duration(sy::duration(7 * 24h)), "7d");
  EXPECT_EQ(sy::format_duration(sy::duration(36h)), "36h");
  EXPECT_EQ(sy::parse_duration("30"), sy::duration(30s));
  EXPECT_EQ(sy::parse_duration("0"), sy::duration(0));
}

TEST(duration, refuses_garbage_negative_and_overflow) {
  for (auto bad : {"", "s", "-1s", "1.5s", "10x", "ten", "1 s", "99999999999999999999h", "9999999999999h"})
    EXPECT_FALSE(sy::parse_duration(bad)) << bad;
}

TEST(duration, formats_shortest_exact_unit) {
  EXPECT_EQ(sy::format_duration(1500ms), "1500ms");
  EXPECT_EQ(sy::format_duration(60s), "1m");
  EXPECT_EQ(sy::format_duration(2h), "2h");
  EXPECT_EQ(sy::format_duration(10s), "10s");
  EXPECT_EQ(sy::format_duration(0ms), "0s");
}
