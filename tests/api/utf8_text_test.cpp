// Outside text cut and cleaned for the gateway's own JSON (api/utf8_text.h), and the error
// parsers that quote an upstream's body: whatever the bytes, the error body is valid JSON.
#include "api/utf8_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/gemini_api.h"
#include "api/ollama_api.h"
#include "api/openai_chat.h"

using namespace sy::api;

namespace {

bool valid_json(std::string_view text) {
  boost::json::error_code ec;
  boost::json::parse(text, ec);
  return !ec;
}

}  // namespace

TEST(utf8_prefix, cuts_on_a_character_boundary) {
  const std::string text = "d\xc3\xa9j\xc3\xa0 \xe6\x97\xa5\xf0\x9f\x99\x82";  // "déjà 日🙂"
  EXPECT_EQ(utf8_prefix(text, 100), text);
  EXPECT_EQ(utf8_prefix(text, 2), "d");  // not half of é
  EXPECT_EQ(utf8_prefix(text, 3), "d\xc3\xa9");
  EXPECT_EQ(utf8_prefix(text, 9), "d\xc3\xa9j\xc3\xa0 ");  // not two thirds of 日
  EXPECT_EQ(utf8_prefix(text, 10), "d\xc3\xa9j\xc3\xa0 \xe6\x97\xa5");
  EXPECT_EQ(utf8_prefix(text, 13), "d\xc3\xa9j\xc3\xa0 \xe6\x97\xa5");  // not three quarters of 🙂
  EXPECT_EQ(utf8_prefix(text, 0), "");
}

TEST(utf8_prefix, replaces_what_is_not_utf8) {
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(utf8_prefix("a\xff"
                        "b",
                        100),
            "a" + fffd + "b");
  EXPECT_EQ(utf8_prefix("\x80\xbf", 100), fffd + fffd);                        // stray continuation bytes
  EXPECT_EQ(utf8_prefix("\xc0\xaf", 100), fffd + fffd);                        // overlong '/'
  EXPECT_EQ(utf8_prefix("\xed\xa0\x80", 100), fffd + fffd + fffd);             // a surrogate
  EXPECT_EQ(utf8_prefix("\xf4\x90\x80\x80", 100), fffd + fffd + fffd + fffd);  // beyond U+10FFFF
  EXPECT_EQ(utf8_prefix("ok\xe6\x97", 100), "ok" + fffd + fffd);               // cut short
  EXPECT_EQ(utf8_prefix("\xff\xff", 4), fffd);  // the replacement counts against the limit
}

// Found by fuzz_gemini_api: a Gemini error body that is not JSON (here a JSON error followed by
// stray bytes) was quoted as it was, and the client's error body was invalid JSON.
TEST(utf8_prefix, error_bodies_quoting_any_upstream_bytes_stay_valid_json) {
  std::string body = R"({"error": {"code": 400, "message": "API key not valid."}})";
  body += std::string(40, '\xea');
  EXPECT_TRUE(valid_json(write_openai_error(parse_gemini_error(503, body))));
  // a body cut at 300 bytes inside a character
  std::string page(299, 'x');
  page += "\xe6\x97\xa5 rest of an HTML error page";
  EXPECT_TRUE(valid_json(write_openai_error(parse_gemini_error(502, page))));
  EXPECT_EQ(parse_gemini_error(502, page).message, std::string(299, 'x'));
  // a long message cut inside a character
  std::string long_message(4095, 'm');
  long_message += "\xc3\xa9";
  auto openai = parse_openai_error(500, R"({"error":{"message":")" + long_message + R"("}})");
  EXPECT_EQ(openai.message, std::string(4095, 'm'));
  EXPECT_TRUE(valid_json(write_openai_error(openai)));
  auto ollama = parse_ollama_error(500, R"({"error":")" + long_message + R"("})");
  EXPECT_TRUE(valid_json(write_ollama_error(ollama)));
}
