#pragma once
// Reading whole streamed text: its lines (an NDJSON stream's payloads), and the `data:` payloads
// of whole server-sent events, in order — what every translator and observer of an upstream's
// stream reads.
#include <string_view>

namespace sy::api {

// Each line of `text` without its "\n" or "\r\n" (a last line without one too).
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    auto line = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? text.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line);
  }
}

// Other fields (`event:`, `id:`, comments) are skipped; the one optional space after the colon
// is removed.
template <class Fn>
void for_each_sse_data(std::string_view events, Fn&& fn) {
  for_each_line(events, [&](std::string_view line) {
    if (!line.starts_with("data:")) return;
    auto payload = line.substr(5);
    if (!payload.empty() && payload.front() == ' ') payload.remove_prefix(1);
    fn(payload);
  });
}

}  // namespace sy::api
