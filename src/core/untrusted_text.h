#pragma once
// Text from outside (file metadata, remote names) made safe for where it goes: a terminal, where
// what could move the cursor, retitle the window or start an escape sequence is shown as an
// escape instead; and JSON, whose strings must be valid UTF-8 (a serializer copies bytes as they
// are, and a parser then refuses the document).
#include <string>
#include <string_view>

namespace sy {

// C0 controls (ESC, CR, LF and TAB included) and DEL become "\xHH"; C1 controls written in
// UTF-8 (U+0080..U+009F) become "\u00HH"; bytes that are not valid UTF-8 (a lone 0x9b is a
// CSI on an 8-bit terminal) become "\xHH". Valid UTF-8 text otherwise passes unchanged.
std::string terminal_safe(std::string_view s);

// Every byte that does not begin a well-formed UTF-8 sequence becomes U+FFFD (the replacement
// character); valid text passes unchanged.
std::string valid_utf8(std::string_view s);

}  // namespace sy
