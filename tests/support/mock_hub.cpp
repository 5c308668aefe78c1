// A Hugging Face hub stand-in for tests: serves files from a directory at
// /{owner}/{repo}/resolve/{rev}/{path} with Range support (206 + Content-Range, 416), and
// optionally: --redirect (302 to /cdn/... on a second port, like the hub's CDN hop), --token T
// (401 without "Authorization: Bearer T"), --ignore-range (200 with the whole file).
// Prints "listening on 127.0.0.1:PORT", then one line per request:
//   "request main|cdn TARGET range=RANGE auth=present|absent status=N".
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

struct settings {
  std::string dir;
  std::string token;
  bool redirect = false;
  bool ignore_range = false;
  unsigned short cdn_port = 0;
};

std::mutex log_mutex;

void log_line(const std::string& s) {
  std::lock_guard lock(log_mutex);
  std::cout << s << std::endl;
}

bool parse_range(std::string_view r, uint64_t size, uint64_t& a, uint64_t& b) {
  if (!r.starts_with("bytes=")) return false;
  r.remove_prefix(6);
  auto dash = r.find('-');
  if (dash == std::string_view::npos) return false;
  try {
    a = std::stoull(std::string(r.substr(0, dash)));
    b = dash + 1 < r.size() ? std::stoull(std::string(r.substr(dash + 1))) : size - 1;
  } catch (...) {
    return false;
  }
  if (b >= size) b = size - 1;
  return true;
}

template <class Body>
void send(tcp::socket& s, http::response<Body>& res) {
  res.set(http::field::server, "mock-hub");
  res.prepare_payload();
  beast::error_code ec;
  http::write(s, res, ec);  // a client that stops reading early closes: not an error here
}

void send_status(tcp::socket& s, http::status st, const std::string& body = "") {
  http::response<http::string_body> res{st, 11};
  res.body() = body;
  send(s, res);
}

// Serves dir/<rel> honoring Range (unless --ignore-range). Returns the status sent.
int serve_file(tcp::socket& s, const settings& cfg, const std::string& rel, std::string_view range) {
  if (rel.find("..") != std::string::npos) {
    send_status(s, http::status::bad_request);
    return 400;
  }
  beast::error_code ec;
  http::file_body::value_type file;
  file.open((cfg.dir + "/" + rel).c_str(), beast::file_mode::read, ec);
  if (ec) {
    send_status(s, http::status::not_found, "Entry not found");
    return 404;
  }
  uint64_t size = file.size();
  if (cfg.ignore_range || range.empty()) {
    http::response<http::file_body> res{http::status::ok, 11};
    res.body() = std::move(file);
    send(s, res);
    return 200;
  }
  uint64_t a = 0, b = 0;
  if (!parse_range(range, size, a, b) || a >= size || a > b) {
    http::response<http::string_body> res{http::status::range_not_satisfiable, 11};
    res.set(http::field::content_range, "bytes */" + std::to_string(size));
    send(s, res);
    return 416;
  }
  std::string body(b - a + 1, '\0');
  file.file().seek(a, ec);
  file.file().read(body.data(), body.size(), ec);
  http::response<http::string_body> res{http::status::partial_content, 11};
  res.set(http::field::content_range,
          "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(size));
  res.set(http::field::accept_ranges, "bytes");
  res.body() = std::move(body);
  send(s, res);
  return 206;
}

void handle(tcp::socket s, const settings& cfg, bool cdn) {
  beast::flat_buffer buf;
  http::request<http::empty_body> req;
  beast::error_code ec;
  http::read(s, buf, req, ec);
  if (ec) return;
  std::string target(req.target());
  std::string path = target.substr(0, target.find('?'));
  std::string range(req[http::field::range]);
  std::string auth(req[http::field::authorization]);
  int status = 404;
  if (cdn) {
    // /cdn/{owner}/{repo}/{path}
    if (path.starts_with("/cdn/"))
      status = serve_file(s, cfg, path.substr(5), range);
    else
      send_status(s, http::status::not_found);
  } else {
    // /{owner}/{repo}/resolve/{rev}/{path}
    auto p1 = path.find('/', 1), p2 = p1 == std::string::npos ? p1 : path.find('/', p1 + 1);
    auto p3 = p2 == std::string::npos ? p2 : path.find('/', p2 + 1);
    auto p4 = p3 == std::string::npos ? p3 : path.find('/', p3 + 1);
    if (p4 == std::string::npos || path.substr(p2, p3 - p2) != "/resolve") {
      send_status(s, http::status::not_found);
    } else if (!cfg.token.empty() && auth != "Bearer " + cfg.token) {
      send_status(s, http::status::unauthorized, "Access to this model is restricted");
      status = 401;
    } else {
      std::string rel = path.substr(1, p2 - 1) + path.substr(p4);  // owner/repo + /path
      if (cfg.redirect) {
        http::response<http::string_body> res{http::status::found, 11};
        res.set(http::field::location,
                "http://127.0.0.1:" + std::to_string(cfg.cdn_port) + "/cdn/" + rel + "?signature=abc");
        send(s, res);
        status = 302;
      } else {
        status = serve_file(s, cfg, rel, range);
      }
    }
  }
  log_line("request " + std::string(cdn ? "cdn" : "main") + " " + path + " range=" + (range.empty() ? "-" : range) +
           " auth=" + (auth.empty() ? "absent" : "present") + " status=" + std::to_string(status));
  s.shutdown(tcp::socket::shutdown_both, ec);
}

void accept_loop(tcp::acceptor& acc, const settings& cfg, bool cdn) {
  for (;;) {
    tcp::socket s(acc.get_executor());
    beast::error_code ec;
    acc.accept(s, ec);
    if (ec) return;
    std::thread([sock = std::move(s), &cfg, cdn]() mutable { handle(std::move(sock), cfg, cdn); }).detach();
  }
}

}  // namespace

int main(int argc, char** argv) {
  settings cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      cfg.dir = argv[++i];
    } else if (a == "--token" && i + 1 < argc) {
      cfg.token = argv[++i];
    } else if (a == "--redirect") {
      cfg.redirect = true;
    } else if (a == "--ignore-range") {
      cfg.ignore_range = true;
    } else {
      std::cerr << "usage: mock-hub --dir DIR [--redirect] [--token T] [--ignore-range]\n";
      return 2;
    }
  }
  if (cfg.dir.empty()) {
    std::cerr << "mock-hub: --dir is required\n";
    return 2;
  }
  net::io_context ioc;
  auto loopback = net::ip::make_address("127.0.0.1");
  tcp::acceptor main_acc(ioc, {loopback, 0}), cdn_acc(ioc, {loopback, 0});
  cfg.cdn_port = cdn_acc.local_endpoint().port();
  std::thread cdn([&] { accept_loop(cdn_acc, cfg, true); });
  cdn.detach();
  log_line("listening on 127.0.0.1:" + std::to_string(main_acc.local_endpoint().port()));
  accept_loop(main_acc, cfg, false);
}
