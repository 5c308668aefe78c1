#pragma once
// The hub client's HTTP(S) GET, shared by remote inspection (http_range_source), the Hub API
// (hub_api) and downloads (file_download). Blocking: each call runs its own io_context on the
// calling thread, so calls on different threads are independent. No Beast types here.
//
// TLS uses the gateway's client context (system CAs, TLS 1.2+, SNI, host name verification).
// Redirects are followed by the caller through follow_redirect(), which drops the Authorization
// header as soon as the chain leaves the first URL's origin.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sy::hub {

// One absolute http(s) URL, split for a request.
struct http_target {
  std::string url;  // as given or resolved from a Location header
  bool tls = false;
  std::string host, port, host_header, path;  // path: path and query
  bool send_auth = false;                     // same origin as the first URL of the chain
  std::string origin() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

// Throws hub_error for anything but an absolute http(s) URL without user information.
// `first_of_chain`: the token may be sent to it (send_auth = true).
http_target parse_target(const std::string& url, bool first_of_chain = true);
// Where a redirect points: Location resolved against the URL that answered.
http_target follow_redirect(const http_target& from, const std::string& location);
bool is_redirect(unsigned status);

struct get_options {
  // get(): the whole exchange; stream_get(): connect, and each read or write on its own.
  std::chrono::milliseconds timeout{30000};
  std::string user_agent = "switchyard";
  std::optional<std::string> bearer_token;             // sent only when the target's send_auth is set
  std::optional<std::pair<uint64_t, uint64_t>> range;  // first and last byte, inclusive
  std::string accept;                                  // Accept header, when not empty
};

struct http_reply {
  unsigned status = 0;
  std::string location, content_range, retry_after;
  std::optional<uint64_t> content_length;
  std::string body;
  bool has_body = false;  // the body was read (see get())
};

// One GET. The body is read when the status is 206 (at most body_cap bytes, else hub_error), or
// 200 with a Content-Length of at most body_cap, or 200 without one (chunked) when read_unsized
// is set (hub_error past body_cap). Other bodies are left unread. Throws hub_error for transport
// errors and the deadline.
http_reply get(const http_target& t, const get_options& opt, size_t body_cap, bool read_unsized = false);

// One GET whose 200/206 body (which must have a Content-Length) is handed to `sink` block by
// block as it arrives; `sink` returns false to stop early (cancellation: `stopped` is set).
// Other bodies are not read. Throws hub_error for transport errors, timeouts, and a body cut
// short (after the blocks received were handed over).
struct stream_result {
  http_reply reply;
  uint64_t received = 0;
  bool stopped = false;
};
// `on_headers`, when given, sees the status and headers before any body byte and may throw to
// refuse the answer.
stream_result stream_get(const http_target& t, const get_options& opt,
                         const std::function<bool(const char* data, size_t n)>& sink,
                         const std::function<void(const http_reply&)>& on_headers = {});

// "HTTP 401: gated or private: set HF_TOKEN" and the like; `what` names the missing thing on a
// 404 ("file", "repository").
std::string status_message(unsigned status, bool had_token, std::string_view what = "file");

// "bytes a-b/total" with a <= b < total.
bool parse_content_range(std::string_view s, uint64_t& a, uint64_t& b, uint64_t& total);

// Retry-After as delta-seconds (an HTTP date or garbage: nullopt).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

}  // namespace sy::hub
