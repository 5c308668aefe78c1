#pragma once
// File names from the Hub API are untrusted: before one becomes a path on disk it must be a plain
// relative path. Stateless.
#include <optional>
#include <string>
#include <string_view>

namespace sy::hub {

// Why `path` may not be used under a store folder, or nullopt when it may: refused are empty
// names and segments, ".", "..", segments starting with '.', absolute paths, backslashes, ':',
// control characters, more than 1024 bytes or 255 per segment, more than 16 segments.
std::optional<std::string> unsafe_path_reason(std::string_view path);

}  // namespace sy::hub
