// terminal_safe: what a terminal would act on is shown escaped; valid_utf8: what is not UTF-8
// becomes U+FFFD. Valid text passes both unchanged.
#include <gtest/gtest.h>

#include "core/untrusted_text.h"

using sy::terminal_safe;
using sy::valid_utf8;

TEST(untrusted_text, passes_printable_text_and_utf8) {
  EXPECT_EQ(terminal_safe("Llama 3.1 8B Instruct"), "Llama 3.1 8B Instruct");
  EXPECT_EQ(terminal_safe("héllo ✓ 😀 \xc2\xa0"), "héllo ✓ 😀 \xc2\xa0");
  EXPECT_EQ(terminal_safe(""), "");
}

TEST(untrusted_text, escapes_c0_del_and_esc) {
  EXPECT_EQ(terminal_safe("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(terminal_safe(std::string("\0\t\n\r\x7f", 5)), "\\x00\\x09\\x0a\\x0d\\x7f");
}

TEST(untrusted_text, escapes_c1_and_bytes_that_are_not_utf8) {
  EXPECT_EQ(terminal_safe("\xc2\x9b"
                          "31m"),
            "\\u009b31m");  // CSI as U+009B
  EXPECT_EQ(terminal_safe("\xc2\x80\xc2\x9f\xc2\xa0"), "\\u0080\\u009f\xc2\xa0");
  EXPECT_EQ(terminal_safe("\x9b"
                          "31m"),
            "\\x9b31m");                                                 // CSI as a bare 8-bit byte
  EXPECT_EQ(terminal_safe("\xe2\x82"), "\\xe2\\x82");                    // truncated sequence
  EXPECT_EQ(terminal_safe("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // surrogate
  EXPECT_EQ(terminal_safe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
}

TEST(untrusted_text, valid_utf8_replaces_what_is_not_utf8) {
  EXPECT_EQ(valid_utf8("héllo ✓ 😀 \x1b\x7f"), "héllo ✓ 😀 \x1b\x7f");  // controls are JSON's to escape
  EXPECT_EQ(valid_utf8("a\x9b"
                       "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(valid_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
  std::string five_replacements;
  for (int i = 0; i < 5; ++i) five_replacements += "\xef\xbf\xbd";
  EXPECT_EQ(valid_utf8("\xc0\xaf\xed\xa0\x80"), five_replacements);  // overlong, surrogate: byte by byte
}
