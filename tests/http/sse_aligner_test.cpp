#include "http/sse_aligner.h"

#include <gtest/gtest.h>

using sy::http::sse_aligner;

TEST(sse_aligner, forwards_whole_events_only) {
  sse_aligner a;
  EXPECT_EQ(a.push("data: 1\n\ndata: 2"), "data: 1\n\n");
  EXPECT_EQ(a.push("2\n"), "");
  EXPECT_EQ(a.push("\ndata: 3\n\n"), "data: 22\n\ndata: 3\n\n");
  EXPECT_EQ(a.pending(), 0u);
}

TEST(sse_aligner, finds_boundaries_that_straddle_reads_and_crlf) {
  sse_aligner a;
  EXPECT_EQ(a.push("data: x\r\n"), "");
  EXPECT_EQ(a.push("\r\n"), "data: x\r\n\r\n");
  EXPECT_EQ(a.push("data: y\n"), "");
  EXPECT_EQ(a.push("\n"), "data: y\n\n");
}

TEST(sse_aligner, torn_event_stays_behind_until_flush) {
  sse_aligner a;
  EXPECT_EQ(a.push("data: whole\n\ndata: {\"tor"), "data: whole\n\n");
  EXPECT_EQ(a.pending(), 11u);
  EXPECT_EQ(a.flush(), "data: {\"tor");
}

TEST(sse_aligner, oversized_event_is_not_held_forever) {
  sse_aligner a(8);
  EXPECT_EQ(a.push("data: 0123456789"), "data: 0123456789");
  EXPECT_EQ(a.push("abc"), "");
  EXPECT_EQ(a.push("defghij"), "abcdefghij");
}
