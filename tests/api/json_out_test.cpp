// The writers' direct JSON output: what it writes must read back as the same values, whatever
// bytes the strings hold (control characters, quotes, backslashes, UTF-8, NUL).
#include "api/json_out.h"

#include <gtest/gtest.h>

#include <random>

#include <boost/json.hpp>

using sy::api::detail::json_out;
namespace json = boost::json;

TEST(json_out, writes_members_arrays_and_nesting_with_commas_in_place) {
  json_out w;
  w.begin_object().member("a", std::int64_t{1}).key("b").begin_array().string("x").integer(-2).null().boolean(false);
  w.begin_object().end_object().begin_array().end_array().end_array();
  w.member("c", true).key("d").value(json::parse(R"({"k":[1,2]})")).end_object();
  EXPECT_EQ(w.text(), R"({"a":1,"b":["x",-2,null,false,{},[]],"c":true,"d":{"k":[1,2]}})");
}

TEST(json_out, numbers_read_back_as_the_same_doubles) {
  for (double d : {0.0, 1.0, -3.0, 0.7, 1e-7, 123456789.125, 1e300, -2.5e-300}) {
    json_out w;
    w.begin_array().number(d).end_array();
    auto v = json::parse(w.text());
    ASSERT_TRUE(v.at(0).is_double()) << w.text();          // a fraction even when it is whole: 1.0, not 1
    EXPECT_DOUBLE_EQ(v.at(0).as_double(), d) << w.text();  // (Boost.JSON 1.81 reads within an ulp or two)
  }
  json_out w;
  w.begin_array().number(std::numeric_limits<double>::infinity()).number(std::nan("")).end_array();
  EXPECT_EQ(w.text(), "[null,null]");  // JSON has neither
}

TEST(json_out, any_string_reads_back_unchanged) {
  std::vector<std::string> samples = {"",
                                      "plain",
                                      "quote \" and backslash \\",
                                      "tab\tnew\nline\r\b\f",
                                      std::string("nul\0byte", 8),
                                      "\x01\x1f\x7f",
                                      "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"};
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {  // random ASCII and control bytes (valid UTF-8: the parsers' strings are)
    std::string s(rng() % 40, ' ');
    for (auto& c : s) c = static_cast<char>(rng() % 128);
    samples.push_back(s);
  }
  for (const auto& s : samples) {
    json_out w;
    w.begin_object().member(s, s).end_object();
    json::error_code ec;
    auto v = json::parse(w.text(), ec);
    ASSERT_FALSE(ec) << w.text();
    EXPECT_EQ(v.as_object().at(s).as_string(), s);
  }
}
