#pragma once
// The `data:` payloads of whole server-sent events, in order: what every translator of an
// upstream's SSE stream reads. Other fields (`event:`, `id:`, comments) are skipped; the one
// optional space after the colon and a trailing CR are removed.
#include <string_view>

namespace sy::api {

template <class Fn>
void for_each_sse_data(std::string_view events, Fn&& fn) {
  for (std::size_t at = 0; at < events.size();) {
    auto end = events.find('\n', at);
    auto line = events.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? events.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with("data:")) continue;
    auto payload = line.substr(5);
    if (!payload.empty() && payload.front() == ' ') payload.remove_prefix(1);
    fn(payload);
  }
}

}  // namespace sy::api
