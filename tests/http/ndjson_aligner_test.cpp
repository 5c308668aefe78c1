#include "http/ndjson_aligner.h"

#include <gtest/gtest.h>

using sy::http::ndjson_aligner;

namespace {

std::string ready(ndjson_aligner& a, std::string_view data) {
  auto r = a.push(data);
  EXPECT_TRUE(r.has_value()) << "refused: " << data;
  return r ? std::string(*r) : std::string();
}

}  // namespace

TEST(ndjson_aligner, forwards_whole_lines_only) {
  ndjson_aligner a;
  EXPECT_EQ(ready(a, "{\"a\":1}\n{\"b\""), "{\"a\":1}\n");
  EXPECT_EQ(a.pending(), 4u);
  EXPECT_EQ(ready(a, ":2"), "");
  EXPECT_EQ(ready(a, "}\n{\"c\":3}\n"), "{\"b\":2}\n{\"c\":3}\n");
  EXPECT_EQ(a.pending(), 0u);
  EXPECT_EQ(ready(a, "\n"), "\n");  // an empty line is a line (the reader skips it)
}

TEST(ndjson_aligner, a_line_split_byte_by_byte_comes_out_whole) {
  ndjson_aligner a;
  std::string line = "{\"message\":{\"content\":\"h\\u00e9\"},\"done\":false}\r\n";
  std::string out;
  for (char c : line) out += ready(a, std::string_view(&c, 1));
  EXPECT_EQ(out, line);
}

TEST(ndjson_aligner, torn_line_stays_behind_until_flush) {
  ndjson_aligner a;
  EXPECT_EQ(ready(a, "{\"whole\":true}\n{\"tor"), "{\"whole\":true}\n");
  EXPECT_EQ(a.flush(), "{\"tor");
  EXPECT_EQ(a.pending(), 0u);
  EXPECT_EQ(a.flush(), "");
}

TEST(ndjson_aligner, refuses_a_line_over_the_limit) {
  // within one read
  ndjson_aligner a(8);
  EXPECT_EQ(ready(a, "12345678\n"), "12345678\n");  // exactly the limit: fine ('\n' not counted)
  EXPECT_FALSE(a.push("123456789\n").has_value());
  EXPECT_TRUE(a.failed());
  EXPECT_FALSE(a.push("1\n").has_value()) << "a failed aligner stays failed";
  EXPECT_EQ(a.flush(), "");

  // growing across reads without a newline: refused before it is buffered past the limit
  ndjson_aligner b(8);
  EXPECT_EQ(ready(b, "1234"), "");
  EXPECT_EQ(ready(b, "5678"), "");
  EXPECT_FALSE(b.push("9").has_value());
  EXPECT_EQ(b.pending(), 0u);

  // a held start plus the rest of the line in the next read
  ndjson_aligner c(8);
  EXPECT_EQ(ready(c, "ok\n12345"), "ok\n");
  EXPECT_FALSE(c.push("6789\nok\n").has_value());

  // a long line among short ones in one read, and a long unfinished tail
  ndjson_aligner d(8);
  EXPECT_FALSE(d.push("a\nbbbbbbbbbbbb\nc\n").has_value());
  ndjson_aligner e(8);
  EXPECT_FALSE(e.push("a\nbbbbbbbbbbbb").has_value());
}
