#include "http/head_fields.h"

#include <gtest/gtest.h>

namespace bhttp = boost::beast::http;
using sy::http::scan_head_fields;

TEST(head_fields, every_field_the_gateway_reads_is_found_whatever_its_case) {
  bhttp::fields f;
  f.insert("HOST", "localhost:8321");
  f.insert("origin", "http://localhost:5173");
  f.insert("Sec-Fetch-Site", "same-origin");  // a name Beast's table knows
  f.insert("Expect", "100-continue");
  f.insert("X-Request-ID", "abc-1");  // names it does not
  f.insert("authorization", "Bearer sk-1");
  f.insert("X-Api-Key", "sk-2");
  f.insert("Content-Type", "application/json");
  f.insert("Accept", "text/event-stream");
  f.insert("x-session-id", "s-9");
  f.insert("Anthropic-Version", "2023-06-01");
  f.insert("User-Agent", "test");
  f.insert("X-Unrelated-Header", "x");
  auto h = scan_head_fields(f);
  EXPECT_EQ(h.host, "localhost:8321");
  EXPECT_EQ(h.origin, "http://localhost:5173");
  EXPECT_EQ(h.sec_fetch_site, "same-origin");
  EXPECT_EQ(h.expect, "100-continue");
  EXPECT_EQ(h.request_id, "abc-1");
  EXPECT_EQ(h.authorization, "Bearer sk-1");
  EXPECT_EQ(h.api_key, "sk-2");
  EXPECT_EQ(h.content_type, "application/json");
  EXPECT_EQ(h.accept, "text/event-stream");
  EXPECT_EQ(h.session_id, "s-9");
  EXPECT_EQ(h.anthropic_version, "2023-06-01");
  EXPECT_EQ(h.host_count, 1u);
  EXPECT_EQ(h.content_length_count, 0u);
  EXPECT_EQ(h.transfer_encoding_count, 0u);
}

TEST(head_fields, absent_fields_are_empty_and_a_repeated_one_gives_its_first_value_as_beast_does) {
  bhttp::fields f;
  f.insert("x-api-key", "");
  f.insert("x-api-key", "second");
  f.insert("Content-Length", "4");
  f.insert("Content-Length", "4");
  f.insert("Transfer-Encoding", "gzip");
  f.insert("transfer-encoding", "chunked");
  f.insert("Host", "a");
  f.insert("Host", "b");
  auto h = scan_head_fields(f);
  EXPECT_EQ(h.api_key, f["x-api-key"]);
  EXPECT_EQ(h.api_key, "");
  EXPECT_EQ(h.transfer_encoding, "gzip");
  EXPECT_EQ(h.host, "a");
  EXPECT_EQ(h.host_count, 2u);
  EXPECT_EQ(h.content_length_count, 2u);
  EXPECT_EQ(h.transfer_encoding_count, 2u);
  EXPECT_TRUE(h.origin.empty());
  EXPECT_TRUE(h.authorization.empty());
  EXPECT_TRUE(h.request_id.empty());
}
