#include "hub/http_range_source.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "gguf/gguf_error.h"
#include "hub/hub_error.h"

namespace sy::hub {

http_range_source::http_range_source(std::string url, range_source_options opt)
    : url_(std::move(url)), opt_(std::move(opt)), next_window_(std::max<size_t>(opt_.first_window, 1)) {
  parse_target(url_);  // refuse a bad URL before any traffic
  fetch(0, next_window_);
}

http_range_source::~http_range_source() = default;

void http_range_source::fetch(uint64_t offset, uint64_t len) {
  if (fetched_ + len > opt_.max_total)
    throw hub_error("refusing to fetch more than " + std::to_string(opt_.max_total) + " bytes for one header");
  bool reused = resolved_.has_value();
  http_target t = reused ? *resolved_ : parse_target(url_);
  get_options go;
  go.timeout = opt_.timeout;
  go.user_agent = opt_.user_agent;
  go.bearer_token = opt_.bearer_token;
  go.range = {offset, offset + len - 1};
  try {
    for (int hop = 0;; ++hop) {
      ++requests_;
      auto r = get(t, go, size_t(len));
      if (is_redirect(r.status)) {
        if (hop >= opt_.max_redirects) throw hub_error("too many redirects");
        if (r.location.empty()) throw hub_error("redirect without a Location");
        t = follow_redirect(t, r.location);
        continue;
      }
      uint64_t a = 0, b = 0, total = 0;
      if (r.status == 206) {
        if (!parse_content_range(r.content_range, a, b, total) || a != offset || b >= offset + len ||
            r.body.size() != b - a + 1 || (b != offset + len - 1 && b != total - 1))
          throw hub_error("bad Content-Range \"" + r.content_range.substr(0, 80) + "\" for bytes " +
                          std::to_string(offset) + "-" + std::to_string(offset + len - 1));
      } else if (r.status == 200 && r.has_body && offset == 0) {
        total = r.body.size();  // the whole (small) file in one answer
      } else if (r.status == 200) {
        throw hub_error("the server ignored the Range request (HTTP 200 with the whole file); not downloading it");
      } else {
        throw hub_error(status_message(r.status, opt_.bearer_token.has_value()), int(r.status));
      }
      if (windows_.empty() && size_ == 0) {
        size_ = total;
      } else if (total != size_) {
        throw hub_error("the remote file changed size while being read");
      }
      if (hop > 0) resolved_ = t;
      fetched_ += r.body.size();
      auto& w = windows_[offset];
      w.resize(r.body.size());
      std::memcpy(w.data(), r.body.data(), r.body.size());
      return;
    }
  } catch (const hub_error&) {
    if (!reused) throw;
    resolved_.reset();  // a signed CDN URL may have expired: start again from the hub once
    fetch(offset, len);
  }
}

void http_range_source::read_at(uint64_t offset, std::span<std::byte> out) {
  if (offset > size_ || out.size() > size_ - offset)
    throw gguf::gguf_error(offset, "unexpected end of file (need " + std::to_string(out.size()) + " bytes, file has " +
                                       std::to_string(size_) + ")");
  size_t done = 0;
  while (done < out.size()) {
    uint64_t at = offset + done;
    auto it = windows_.upper_bound(at);
    if (it == windows_.begin() || at >= std::prev(it)->first + std::prev(it)->second.size()) {
      // a miss: the reader moves forward, so drop the windows before this byte (memory stays
      // about one window) and ask for the next one, twice as big as the last
      windows_.erase(windows_.begin(), windows_.lower_bound(at));
      next_window_ = std::min(next_window_ * 2, opt_.max_window);
      uint64_t len = std::min<uint64_t>(
          std::max<uint64_t>(next_window_, std::min<uint64_t>(out.size() - done, opt_.max_window)), size_ - at);
      fetch(at, len);
      continue;
    }
    --it;
    size_t from = size_t(at - it->first);
    size_t n = std::min(out.size() - done, it->second.size() - from);
    std::memcpy(out.data() + done, it->second.data() + from, n);
    done += n;
  }
}

}  // namespace sy::hub
