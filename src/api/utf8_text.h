#pragma once
// Outside text carried into the gateway's own JSON (error messages that quote an upstream's body,
// a name it sent, a URL). Boost.JSON writes a string's bytes as they are: a message cut inside a
// UTF-8 sequence, or raw bytes that are not UTF-8, would make the whole body invalid JSON, which
// clients refuse. Cut and clean such text with this instead of substr.
#include <cstddef>
#include <string>
#include <string_view>

namespace sy::api {

// At most `max_bytes` bytes of `s` from its start, ending on a character boundary; each byte that
// is not part of a well-formed UTF-8 sequence (stray continuation bytes, overlong forms,
// surrogates, beyond U+10FFFF, a sequence cut short) becomes U+FFFD.
std::string utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace sy::api
