#include "hub/http_range_source.h"

#include "http/upstream_pool.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <charconv>
#include <cstring>
#include <limits>

#include "gguf/gguf_error.h"
#include "hub/hub_error.h"

namespace sy::hub {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace urls = boost::urls;
using tcp = net::ip::tcp;

// One absolute http(s) URL, split for a request.
struct http_range_source::target {
  std::string url;  // as given or resolved from a Location header
  bool tls = false;
  std::string host, port, host_header, path;  // path: path and query
  bool send_auth = false;                     // same origin as the first URL
  std::string origin() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

namespace {

using target = http_range_source::target;

target parse_target(const std::string& text) {
  auto r = urls::parse_uri(text);
  if (!r) throw hub_error("not a valid URL: " + text);
  urls::url_view u = *r;
  target t;
  t.url = std::string(u.buffer());
  if (u.scheme_id() == urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() != urls::scheme::http) {
    throw hub_error("refusing a URL that is not http or https");
  }
  if (u.has_userinfo()) throw hub_error("refusing a URL with user information");
  t.host = u.host_address();
  if (t.host.empty()) throw hub_error("URL without a host");
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u.encoded_host());
  if (u.has_port()) t.host_header += ":" + t.port;
  t.path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) t.path += "?" + std::string(u.encoded_query());
  return t;
}

// Where a redirect points: Location resolved against the URL that answered.
target follow(const target& from, const std::string& location) {
  auto ref = urls::parse_uri_reference(location);
  if (!ref) throw hub_error("redirect with an invalid Location");
  urls::url dest;
  auto base = urls::parse_uri(from.url);
  if (!base || !urls::resolve(*base, *ref, dest)) throw hub_error("redirect with an invalid Location");
  target t = parse_target(std::string(dest.buffer()));
  t.send_auth = from.send_auth && t.origin() == from.origin();
  return t;
}

struct reply {
  unsigned status = 0;
  std::string location, content_range;
  std::string body;
  bool has_body = false;
};

template <class Stream>
net::awaitable<void> exchange(Stream& s, const http::request<http::empty_body>& req, size_t body_cap, reply& out) {
  co_await http::async_write(s, req, net::use_awaitable);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> p;
  p.header_limit(64 * 1024);
  p.body_limit(std::numeric_limits<uint64_t>::max());  // a big Content-Length alone is no error: see below
  co_await http::async_read_header(s, buf, p, net::use_awaitable);
  p.body_limit(body_cap);  // bounds chunked bodies
  auto& res = p.get();
  out.status = res.result_int();
  out.location = std::string(res[http::field::location]);
  out.content_range = std::string(res[http::field::content_range]);
  // 206 bodies are what we asked for; a 200 is read only when it fits one window (a small file
  // from a server without Range support). Anything else stops at the headers.
  auto len = p.content_length();
  bool read_body = out.status == 206 || (out.status == 200 && len && *len <= body_cap);
  if (out.status == 206 && len && *len > body_cap) throw hub_error("a 206 answer larger than the range asked for");
  if (read_body) {
    co_await http::async_read(s, buf, p, net::use_awaitable);
    out.body = std::move(p.get().body());
    out.has_body = true;
  }
}

net::awaitable<void> request_once(const target& t, http::request<http::empty_body> req, size_t body_cap, reply& out) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(t.host, t.port, net::use_awaitable);
  beast::tcp_stream tcp_stream(ex);
  co_await tcp_stream.async_connect(endpoints, net::use_awaitable);
  if (!t.tls) {
    co_await exchange(tcp_stream, req, body_cap, out);
    co_return;
  }
  // the gateway's client TLS settings (system CAs, TLS 1.2+), loaded once: reading the CA store
  // per request would cost more than the request
  static const auto ctx = sy::http::make_client_tls_context();
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), *ctx);
  // SNI, and verification of the certificate against the host name
  if (!SSL_set_tlsext_host_name(tls.native_handle(), t.host.c_str())) throw hub_error("cannot set TLS SNI");
  tls.set_verify_callback(net::ssl::host_name_verification(t.host));
  co_await tls.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
  co_await exchange(tls, req, body_cap, out);
}

// One GET, blocking, with a deadline over everything (resolve included).
reply request(const target& t, uint64_t first, uint64_t last, const std::optional<std::string>& token,
              const range_source_options& opt) {
  http::request<http::empty_body> req{http::verb::get, t.path, 11};
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, opt.user_agent);
  req.set(http::field::range, "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  req.set(http::field::accept_encoding, "identity");
  req.set(http::field::connection, "close");
  if (token) req.set(http::field::authorization, "Bearer " + *token);
  reply out;
  std::exception_ptr failure;
  bool done = false;
  {
    net::io_context ioc;
    net::co_spawn(ioc, request_once(t, std::move(req), size_t(last - first + 1), out), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
    ioc.run_for(opt.timeout);
  }  // destroying the io_context closes whatever is still open
  if (!done)
    throw hub_error(t.host + ":" + t.port + ": timed out after " + std::to_string(opt.timeout.count()) + " ms");
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const boost::system::system_error& e) {
      throw hub_error(t.host + ":" + t.port + ": " + e.code().message() + (t.tls ? " (TLS)" : ""));
    }
  }
  return out;
}

// "bytes a-b/total"
bool parse_content_range(std::string_view s, uint64_t& a, uint64_t& b, uint64_t& total) {
  if (!s.starts_with("bytes ")) return false;
  s.remove_prefix(6);
  auto num = [&](uint64_t& v, char stop) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr == s.data()) return false;
    s.remove_prefix(size_t(r.ptr - s.data()));
    if (stop) {
      if (s.empty() || s.front() != stop) return false;
      s.remove_prefix(1);
    }
    return true;
  };
  return num(a, '-') && num(b, '/') && num(total, 0) && s.empty() && a <= b && b < total;
}

std::string status_message(unsigned status, bool had_token) {
  switch (status) {
    case 401:
    case 403:
      return had_token ? "HTTP " + std::to_string(status) +
                             ": access denied with the HF_TOKEN given (gated repository: accept its terms on the hub?)"
                       : "HTTP " + std::to_string(status) + ": gated or private: set HF_TOKEN";
    case 404: return "HTTP 404: no such file (check owner/repo and the path)";
    case 416: return "HTTP 416: range not satisfiable (empty file?)";
    case 429: return "HTTP 429: rate limited by the hub, try again later";
    default: return "HTTP " + std::to_string(status);
  }
}

bool is_redirect(unsigned s) {
  return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

}  // namespace

http_range_source::http_range_source(std::string url, range_source_options opt)
    : url_(std::move(url)), opt_(std::move(opt)), next_window_(std::max<size_t>(opt_.first_window, 1)) {
  parse_target(url_);  // refuse a bad URL before any traffic
  fetch(0, next_window_);
}

http_range_source::~http_range_source() = default;

void http_range_source::fetch(uint64_t offset, uint64_t len) {
  if (fetched_ + len > opt_.max_total)
    throw hub_error("refusing to fetch more than " + std::to_string(opt_.max_total) + " bytes for one header");
  bool reused = resolved_ != nullptr;
  target t = reused ? *resolved_ : parse_target(url_);
  if (!reused) t.send_auth = true;
  try {
    for (int hop = 0;; ++hop) {
      ++requests_;
      auto r = request(t, offset, offset + len - 1, t.send_auth ? opt_.bearer_token : std::nullopt, opt_);
      if (is_redirect(r.status)) {
        if (hop >= opt_.max_redirects) throw hub_error("too many redirects");
        if (r.location.empty()) throw hub_error("redirect without a Location");
        t = follow(t, r.location);
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
      if (hop > 0) resolved_ = std::make_unique<target>(t);
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
      // a miss: the reader moves forward, so ask for the next window, twice as big as the last
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
