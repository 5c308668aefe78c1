#pragma once
// A byte_source over HTTP(S) Range requests: a GGUF header on a hub is read in a few windows, not
// downloaded. Blocking (each fetch runs its own io_context with a deadline); one thread at a time.
//
// Each window is one GET with `Range: bytes=a-b`, answered 206 with a matching Content-Range
// (whose total is the file size). Redirects (302 to a CDN) are followed up to max_redirects, only
// to http/https, and the Authorization header is never sent to another origin than the first
// URL's. The final URL of the first redirect chain is reused for later windows. A server that
// ignores Range (200) is read no further than its headers, unless the whole body fits one window.
// Bytes the reader skips (array elements past what it keeps) are never fetched; windows behind a
// miss are dropped, so memory stays about one window (max_window) whatever the header holds.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gguf/byte_source.h"
#include "hub/hub_http.h"

namespace sy::hub {

struct range_source_options {
  size_t first_window = size_t{256} << 10;  // bytes asked for by the first request
  size_t max_window = size_t{16} << 20;     // windows double after each miss, up to this
  uint64_t max_total = uint64_t{64} << 20;  // refuse to fetch more than this in all
  int max_redirects = 5;
  std::chrono::milliseconds timeout{30000};  // per request (connect, TLS, send, receive)
  std::optional<std::string> bearer_token;   // HF_TOKEN: sent to the first URL's origin only
  std::string user_agent = "switchyard";
};

class http_range_source : public gguf::byte_source {
 public:
  // Fetches the first window (which also gives the size); throws hub_error.
  explicit http_range_source(std::string url, range_source_options opt = {});
  ~http_range_source() override;
  http_range_source(const http_range_source&) = delete;
  http_range_source& operator=(const http_range_source&) = delete;

  uint64_t size() const override { return size_; }
  // Throws gguf_error past the end, hub_error when a fetch fails.
  void read_at(uint64_t offset, std::span<std::byte> out) override;
  std::string describe() const override { return url_; }
  uint64_t bytes_fetched() const override { return fetched_; }
  // HTTP requests sent, redirects included.
  uint64_t requests() const { return requests_; }

 private:
  void fetch(uint64_t offset, uint64_t len);
  std::string url_;
  range_source_options opt_;
  std::optional<http_target> resolved_;  // where the last redirect chain ended
  uint64_t size_ = 0;
  std::map<uint64_t, std::vector<std::byte>> windows_;  // by offset; none wholly behind the last miss
  size_t next_window_;
  uint64_t fetched_ = 0, requests_ = 0;
};

}  // namespace sy::hub
