#include "engine/loopback_get.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace sy::engine {
namespace {

using clock = std::chrono::steady_clock;

struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

// Milliseconds left until `deadline`, at least 0.
int ms_left(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left > 0 ? int(left) : 0;
}

// Waits for `events` on fd; false on timeout or error.
bool wait_for(int fd, short events, clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, ms_left(deadline));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

// Appends the decoded chunked body to `out` (capped at max_body); false when malformed or cut short.
bool dechunk(const std::string& in, std::string& out, std::size_t max_body) {
  std::size_t pos = 0;
  for (;;) {
    auto eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    std::size_t size = 0;
    auto [p, ec] = std::from_chars(in.data() + pos, in.data() + eol, size, 16);
    if (ec != std::errc{} || p == in.data() + pos) return false;
    pos = eol + 2;
    if (size == 0) return true;
    if (size > in.size() - pos) return false;
    out.append(in, pos, std::min(size, max_body - std::min(max_body, out.size())));
    pos += size + 2;
  }
}

}  // namespace

loopback_response loopback_get(unsigned short port, const std::string& target, duration timeout,
                               const std::vector<std::string>& headers, std::size_t max_body) {
  loopback_response out;
  auto deadline = clock::now() + timeout;
  fd_guard sock{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) return out.error = std::string("socket: ") + std::strerror(errno), out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) return out.error = std::strerror(errno), out;
    if (!wait_for(sock.fd, POLLOUT, deadline)) return out.error = "timed out connecting", out;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return out.error = std::strerror(err), out;
  }

  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\nAccept: */*\r\n";
  for (auto& h : headers) request += h + "\r\n";
  request += "\r\n";
  for (std::size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += std::size_t(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(sock.fd, POLLOUT, deadline)) return out.error = "timed out sending", out;
    } else {
      return out.error = std::string("send: ") + std::strerror(errno), out;
    }
  }

  // Reads until the peer closes (we asked for Connection: close) or the limit is reached.
  const std::size_t limit = max_body + 16 * 1024;  // body plus a generous head
  std::string raw;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n > 0) {
      raw.append(buf, std::size_t(n));
      if (raw.size() >= limit) break;
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_for(sock.fd, POLLIN, deadline)) return out.error = "timed out reading", out;
    } else {
      return out.error = std::string("recv: ") + std::strerror(errno), out;
    }
  }

  auto head_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos)
    return out.error = raw.empty() ? "connection closed without a response" : "malformed response", out;
  auto sp = raw.find(' ');
  if (sp == std::string::npos || sp > head_end) return out.error = "malformed status line", out;
  int status = 0;
  auto [p, ec] = std::from_chars(raw.data() + sp + 1, raw.data() + head_end, status);
  if (ec != std::errc{} || status < 100 || status > 999) return out.error = "malformed status line", out;
  std::string head = lower(raw.substr(0, head_end));
  std::string body = raw.substr(head_end + 4);
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    std::string decoded;
    if (!dechunk(body, decoded, max_body)) return out.error = "malformed chunked body", out;
    body = std::move(decoded);
  }
  if (body.size() > max_body) body.resize(max_body);
  out.status = status;
  out.body = std::move(body);
  return out;
}

}  // namespace sy::engine
