#pragma once
// The dashboard's files, embedded in the binary at build time (ui/build.mjs generates the
// table from ui/src; a build without the UI has an empty table). Each file is stored as served:
// identity, gzip and brotli bodies, its content type and a strong ETag. Immutable files have
// content-hashed names (/ui/assets/main-HASH.js) and may be cached for a year.
#include <span>
#include <string_view>

namespace sy::dashboard {

struct asset {
  std::string_view path;  // "/ui/index.html", "/ui/assets/main-HASH.js", ...
  std::string_view content_type;
  std::string_view etag;  // quoted, as sent
  bool immutable = false;
  std::string_view identity, gzip, brotli;
};

// Every embedded file; empty when the binary was built without the dashboard.
std::span<const asset> assets();

}  // namespace sy::dashboard
