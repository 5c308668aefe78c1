#include "http/sse_aligner.h"

namespace sy::http {

std::size_t last_event_end(std::string_view s) {
  for (std::size_t i = s.size(); i >= 2; --i) {
    if (s[i - 1] != '\n') continue;
    if (s[i - 2] == '\n' || (i >= 3 && s[i - 2] == '\r' && s[i - 3] == '\n')) return i;
  }
  return 0;
}

std::string_view sse_aligner::push(std::string_view data) {
  if (pending_.empty()) {
    std::size_t end = last_event_end(data);
    pending_.assign(data.substr(end));
    if (pending_.size() > max_pending_) {
      pending_.clear();
      return data;  // one oversized event: forward as it comes
    }
    return data.substr(0, end);
  }
  // a boundary may straddle the old and new bytes ("\n" + "\n"): search the joined tail
  pending_.append(data);
  std::size_t end = last_event_end(pending_);
  if (end == 0 && pending_.size() <= max_pending_) return {};
  if (end == 0) end = pending_.size();
  ready_.assign(pending_, 0, end);
  pending_.erase(0, end);
  return ready_;
}

std::string_view sse_aligner::flush() {
  ready_ = std::move(pending_);
  pending_.clear();
  return ready_;
}

}  // namespace sy::http
