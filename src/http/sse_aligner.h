#pragma once
// Cuts a server-sent-event byte stream at event boundaries (a blank line: "\n\n" or
// "\r\n\r\n"), so a relay forwards only whole events. When the upstream dies mid-event, the
// torn event is never forwarded and the client's final error event stays parseable.
#include <string>
#include <string_view>

namespace sy::http {

class sse_aligner {
 public:
  // An event longer than `max_pending` bytes is forwarded in pieces rather than held.
  explicit sse_aligner(std::size_t max_pending = 1024 * 1024) : max_pending_(max_pending) {}

  // Takes the next bytes of the stream; returns the bytes now ready to forward (whole events,
  // possibly empty). The view is valid until the next call and may point into `data`.
  std::string_view push(std::string_view data);
  // At the end of a clean stream: the rest (a last event without its blank line).
  std::string_view flush();
  std::size_t pending() const { return pending_.size(); }

 private:
  std::size_t max_pending_;
  std::string pending_;  // bytes of an event not yet complete
  std::string ready_;    // storage for a returned view that spans old and new bytes
};

// Index just past the last event boundary in `s` (0 when there is none).
std::size_t last_event_end(std::string_view s);

}  // namespace sy::http
