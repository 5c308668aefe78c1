#include "http/ndjson_aligner.h"

namespace sy::http {

std::optional<std::string_view> ndjson_aligner::push(std::string_view data) {
  if (failed_) return std::nullopt;
  auto fail = [this] {
    failed_ = true;
    pending_.clear();
    return std::nullopt;
  };
  auto last_nl = data.rfind('\n');
  if (last_nl == std::string_view::npos) {  // still inside one line
    if (pending_.size() + data.size() > max_line_) return fail();
    pending_.append(data);
    return std::string_view{};
  }
  // every line that ends here must fit, the first one with the bytes held from before
  std::size_t carried = pending_.size();
  for (std::size_t start = 0; start <= last_nl;) {
    auto nl = data.find('\n', start);
    if (carried + (nl - start) > max_line_) return fail();
    carried = 0;
    start = nl + 1;
  }
  auto whole = data.substr(0, last_nl + 1);
  auto tail = data.substr(last_nl + 1);
  if (tail.size() > max_line_) return fail();
  if (pending_.empty()) {
    pending_.assign(tail);
    return whole;
  }
  ready_ = std::move(pending_);
  ready_.append(whole);
  pending_.assign(tail);
  return std::string_view(ready_);
}

std::string_view ndjson_aligner::flush() {
  ready_ = std::move(pending_);
  pending_.clear();
  return ready_;
}

}  // namespace sy::http
