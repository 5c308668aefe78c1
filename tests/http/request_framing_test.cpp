#include "http/request_framing.h"

#include <gtest/gtest.h>

namespace bhttp = boost::beast::http;
using sy::http::check_framing;

namespace {

// Owns the fields; scanned where a check takes them (the views live as long as the fields).
struct test_head {
  bhttp::fields fields;
  operator sy::http::head_fields() const { return sy::http::scan_head_fields(fields); }
};

test_head head(std::initializer_list<std::pair<const char*, const char*>> fields) {
  test_head h;
  for (auto [name, value] : fields) h.fields.insert(name, value);
  return h;
}

// The head is refused with `status`; returns the reason.
std::string expect_refused(const sy::http::head_fields& h, unsigned version, unsigned status) {
  auto r = check_framing(h, version);
  EXPECT_TRUE(r);
  if (!r) return "";
  EXPECT_EQ(r->status, status);
  return r->message;
}

}  // namespace

TEST(request_framing, plain_requests_pass) {
  EXPECT_FALSE(check_framing(head({{"Host", "localhost"}}), 11));
  EXPECT_FALSE(check_framing(head({{"Host", "localhost"}, {"Content-Length", "5"}}), 11));
  EXPECT_FALSE(check_framing(head({{"Host", "localhost"}, {"Transfer-Encoding", "chunked"}}), 11));
  EXPECT_FALSE(check_framing(head({{"Host", "localhost"}, {"Transfer-Encoding", " Chunked "}}), 11));
  EXPECT_FALSE(check_framing(head({}), 10));  // HTTP/1.0 needs no Host
}

TEST(request_framing, two_hosts_or_none_are_refused) {
  auto why = expect_refused(head({{"Host", "localhost"}, {"Host", "evil.example"}}), 11, 400);
  EXPECT_NE(why.find("more than one Host"), std::string::npos);
  EXPECT_TRUE(check_framing(head({{"Host", "a"}, {"Host", "a"}}), 10));
  expect_refused(head({}), 11, 400);
}

TEST(request_framing, transfer_encoding_that_is_not_exactly_chunked_is_refused) {
  // the reported smuggling shape: a coding Beast does not treat as chunked, next to a length
  expect_refused(head({{"Host", "h"}, {"Transfer-Encoding", "xchunked"}, {"Content-Length", "4"}}), 11, 400);
  expect_refused(head({{"Host", "h"}, {"Transfer-Encoding", "xchunked"}}), 11, 400);
  expect_refused(head({{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "4"}}), 11, 400);
  expect_refused(head({{"Host", "h"}, {"Transfer-Encoding", "gzip, chunked"}}), 11, 501);
  expect_refused(head({{"Host", "h"}, {"Transfer-Encoding", "chunked, gzip"}}), 11, 400);
  expect_refused(head({{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}), 11, 400);
  expect_refused(head({{"Transfer-Encoding", "chunked"}}), 10, 400);
}

TEST(request_framing, duplicate_content_lengths_are_refused) {
  expect_refused(head({{"Host", "h"}, {"Content-Length", "4"}, {"Content-Length", "4"}}), 11, 400);
}
