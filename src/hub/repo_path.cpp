#include "hub/repo_path.h"

namespace sy::hub {

std::optional<std::string> unsafe_path_reason(std::string_view path) {
  if (path.empty()) return "an empty file name";
  if (path.size() > 1024) return "a file name longer than 1024 bytes";
  if (path.front() == '/') return "an absolute path";
  size_t segments = 0;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty()) return "an empty path segment";
    if (seg == "." || seg == "..") return "a \"" + std::string(seg) + "\" path segment";
    if (seg.front() == '.') return "a hidden path segment";
    if (seg.size() > 255) return "a path segment longer than 255 bytes";
    for (unsigned char c : seg) {
      if (c == '\\') return "a backslash";
      if (c == ':') return "a ':'";
      if (c < 0x20 || c == 0x7f) return "a control character";
    }
    if (++segments > 16) return "more than 16 path segments";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return std::nullopt;
}

}  // namespace sy::hub
