#pragma once
// Cuts an NDJSON byte stream (one JSON value per line, e.g. Ollama's application/x-ndjson) at
// line ends, so a relay hands its rewriter only whole lines; when the upstream dies mid-line the
// torn line is never forwarded. The bytes come from outside: a line longer than `max_line` is
// refused (the stream must then fail) instead of being buffered without bound.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sy::http {

class ndjson_aligner {
 public:
  explicit ndjson_aligner(std::size_t max_line = 8 * 1024 * 1024) : max_line_(max_line) {}

  // Takes the next bytes; returns the whole lines now ready (each ending in '\n'; possibly
  // empty), or nullopt when a line is longer than max_line bytes (its '\n' not counted): the
  // aligner has then failed and refuses everything after. The view is valid until the next call
  // and may point into `data`.
  std::optional<std::string_view> push(std::string_view data);
  // At the end of a clean stream: the rest (a last line without its '\n'; "" after a failure).
  std::string_view flush();
  std::size_t pending() const { return pending_.size(); }
  bool failed() const { return failed_; }
  std::size_t max_line() const { return max_line_; }

 private:
  std::size_t max_line_;
  bool failed_ = false;
  std::string pending_;  // the start of a line not yet complete
  std::string ready_;    // storage for a returned view that spans old and new bytes
};

}  // namespace sy::http
