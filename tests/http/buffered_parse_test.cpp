// parse_buffered: a request the buffer holds whole is parsed from it; anything less asks for a
// read; a pipelined request stays in the buffer; the parser's limits and errors still apply.
#include "http/buffered_parse.h"

#include <gtest/gtest.h>

#include <string>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace sy::http {
namespace {

namespace bhttp = boost::beast::http;
using request_parser = bhttp::request_parser<bhttp::string_body>;

void fill(boost::beast::flat_buffer& buffer, std::string_view bytes) {
  auto room = buffer.prepare(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

const std::string post = "POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}";

TEST(buffered_parse, a_whole_request_in_the_buffer_is_parsed_without_a_read) {
  boost::beast::flat_buffer buffer;
  fill(buffer, post);
  request_parser p;
  boost::beast::error_code ec;
  EXPECT_TRUE(parse_buffered(
      p, buffer, [&] { return p.is_header_done(); }, ec));
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parse_buffered(
      p, buffer, [&] { return p.is_done(); }, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(p.get().body(), "{}");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(buffered_parse, a_pipelined_request_stays_in_the_buffer) {
  boost::beast::flat_buffer buffer;
  fill(buffer, post + "GET /health HTTP/1.1\r\nHost: h\r\n\r\n");
  request_parser first;
  boost::beast::error_code ec;
  ASSERT_TRUE(parse_buffered(
      first, buffer, [&] { return first.is_done(); }, ec));
  EXPECT_EQ(first.get().body(), "{}");
  request_parser second;
  ASSERT_TRUE(parse_buffered(
      second, buffer, [&] { return second.is_done(); }, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(second.get().target(), "/health");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(buffered_parse, a_part_of_a_request_asks_for_a_read_and_keeps_what_it_has) {
  boost::beast::flat_buffer buffer;
  fill(buffer, post.substr(0, 20));  // half a head
  request_parser p;
  boost::beast::error_code ec;
  EXPECT_FALSE(parse_buffered(
      p, buffer, [&] { return p.is_header_done(); }, ec));
  EXPECT_FALSE(ec);
  fill(buffer, post.substr(20, post.size() - 21));  // the head and half the body
  EXPECT_TRUE(parse_buffered(
      p, buffer, [&] { return p.is_header_done(); }, ec));
  EXPECT_FALSE(parse_buffered(
      p, buffer, [&] { return p.is_done(); }, ec));
  EXPECT_FALSE(ec);
  fill(buffer, post.substr(post.size() - 1));
  EXPECT_TRUE(parse_buffered(
      p, buffer, [&] { return p.is_done(); }, ec));
  EXPECT_EQ(p.get().body(), "{}");
}

// The error of parsing the head of `bytes` (all in the buffer) with `header_limit` and
// `body_limit`; parse_buffered must report it as done.
boost::beast::error_code head_error(const std::string& bytes, std::uint32_t header_limit, std::uint64_t body_limit) {
  boost::beast::flat_buffer buffer;
  fill(buffer, bytes);
  request_parser p;
  p.header_limit(header_limit);
  p.body_limit(body_limit);
  boost::beast::error_code ec;
  EXPECT_TRUE(parse_buffered(
      p, buffer, [&] { return p.is_header_done(); }, ec));
  return ec;
}

TEST(buffered_parse, limits_and_bad_bytes_are_errors) {
  EXPECT_EQ(head_error("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(200, 'a') + "\r\n\r\n", 64, 1024),
            bhttp::error::header_limit);
  EXPECT_EQ(head_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", 8192, 10),
            bhttp::error::body_limit);
  EXPECT_TRUE(head_error("NOT HTTP AT ALL\r\n\r\n", 8192, 1024));
}

}  // namespace
}  // namespace sy::http
