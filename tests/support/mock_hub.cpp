// A Hugging Face hub stand-in for tests and benchmarks, serving a directory laid out as
// DIR/{owner}/{repo}/{path}:
//   /{owner}/{repo}/resolve/{rev}/{path}  the file, with Range (206 + Content-Range, 416)
//   /api/models?search=Q&sort=S&limit=N[&full=true]  repositories holding .gguf files whose id
//                                    contains Q; DIR/{owner}/{repo}/.hub-meta may set "downloads N",
//                                    "likes N", "updated ISO-DATE", "gated manual" (one per line)
//   /api/models/{owner}/{repo}       siblings with size and LFS sha256 computed from the files
// Options: --redirect (resolve answers 302 to /cdn/... on a second port, like the hub's CDN hop),
// --token T (401 without "Authorization: Bearer T" on resolve and repository info),
// --ignore-range (200 with the whole file), and faults: --drop-at N (the first answer that
// covers file byte N stops there and closes the connection; once), --wrong-sha (advertise a wrong
// sha256), --rate-limit K (the first K API/resolve requests get 429 with Retry-After: 1),
// --trickle BYTES_PER_S (slow bodies), --extra-sibling NAME (list a file that is not there).
// Prints "listening on 127.0.0.1:PORT", then one line per request:
//   "request main|cdn TARGET range=RANGE auth=present|absent status=N sent=BODY_BYTES".
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;

namespace {

struct settings {
  std::string dir;
  std::string token;
  bool redirect = false;
  bool ignore_range = false;
  unsigned short cdn_port = 0;
  int64_t drop_at = -1;
  std::atomic<bool> dropped{false};
  bool wrong_sha = false;
  std::atomic<int> rate_limit{0};
  uint64_t trickle = 0;  // bytes per second; 0: full speed
  std::vector<std::string> extra_siblings;
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

void send_json(tcp::socket& s, const std::string& body) {
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = body;
  send(s, res);
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

// Sends file bytes [a, a+n) with sendfile, at the trickle rate when set. Returns bytes sent.
uint64_t send_body(int sock, int file, uint64_t a, uint64_t n, uint64_t trickle) {
  uint64_t sent = 0;
  off_t off = off_t(a);
  while (sent < n) {
    size_t piece = size_t(std::min<uint64_t>(n - sent, trickle ? 16384 : (uint64_t{1} << 30)));
    ssize_t w = ::sendfile(sock, file, &off, piece);
    if (w <= 0) break;
    sent += uint64_t(w);
    if (trickle) std::this_thread::sleep_for(std::chrono::microseconds(uint64_t(w) * 1000000 / trickle));
  }
  return sent;
}

// Serves dir/<rel> honoring Range (unless --ignore-range). Returns the status sent.
int serve_file(tcp::socket& s, settings& cfg, const std::string& rel, std::string_view range, uint64_t& sent) {
  if (rel.find("..") != std::string::npos) {
    send_status(s, http::status::bad_request);
    return 400;
  }
  int fd = ::open((cfg.dir + "/" + rel).c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    send_status(s, http::status::not_found, "Entry not found");
    return 404;
  }
  uint64_t size = uint64_t(st.st_size);
  uint64_t a = 0, b = size ? size - 1 : 0;
  int status = 200;
  if (!cfg.ignore_range && !range.empty()) {
    if (!parse_range(range, size, a, b) || a >= size || a > b) {
      ::close(fd);
      http::response<http::string_body> res{http::status::range_not_satisfiable, 11};
      res.set(http::field::content_range, "bytes */" + std::to_string(size));
      send(s, res);
      return 416;
    }
    status = 206;
  }
  uint64_t n = size ? b - a + 1 : 0;
  std::string head = status == 206 ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(a) + "-" +
                                         std::to_string(b) + "/" + std::to_string(size) + "\r\n"
                                   : "HTTP/1.1 200 OK\r\n";
  head += "Server: mock-hub\r\nAccept-Ranges: bytes\r\nContent-Length: " + std::to_string(n) +
          "\r\nConnection: close\r\n\r\n";
  int sock = s.native_handle();
  if (write_all(sock, head.data(), head.size())) {
    // --drop-at: the first answer covering that byte stops there (the client sees a short body)
    uint64_t limit = n;
    if (cfg.drop_at >= 0 && uint64_t(cfg.drop_at) > a && uint64_t(cfg.drop_at) <= b && !cfg.dropped.exchange(true))
      limit = uint64_t(cfg.drop_at) - a;
    sent = send_body(sock, fd, a, limit, cfg.trickle);
  }
  ::close(fd);
  return status;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string sha256_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx, buf.data(), size_t(in.gcount()));
  }
  unsigned char md[32];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  std::string out;
  char hex[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", md[i]);
    out += hex;
  }
  return out;
}

// sha256 by path, size and mtime: a big file is hashed once.
std::string cached_sha256(const fs::path& p) {
  static std::mutex m;
  static std::map<std::string, std::pair<std::string, std::string>> cache;  // path -> (stamp, sha)
  std::error_code ec;
  std::string stamp = std::to_string(fs::file_size(p, ec)) + ":" +
                      std::to_string(fs::last_write_time(p, ec).time_since_epoch().count());
  std::lock_guard lock(m);
  auto& e = cache[p.string()];
  if (e.first != stamp) e = {stamp, sha256_hex(p.string())};
  return e.second;
}

struct repo_meta {
  uint64_t downloads = 0, likes = 0;
  std::string updated = "2024-01-01T00:00:00.000Z";
  std::string gated;
};

repo_meta read_meta(const fs::path& repo) {
  repo_meta m;
  std::ifstream in(repo / ".hub-meta");
  std::string key, value;
  while (in >> key >> value) {
    if (key == "downloads") m.downloads = std::stoull(value);
    if (key == "likes") m.likes = std::stoull(value);
    if (key == "updated") m.updated = value;
    if (key == "gated") m.gated = value;
  }
  return m;
}

// Files of a repository folder, relative, sorted; dot files left out.
std::vector<std::string> repo_files(const fs::path& repo) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(repo, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string rel = fs::relative(it->path(), repo, ec).string();
    if (it->path().filename().string().starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ends_with_gguf(const std::string& s) {
  return s.size() > 5 && s.substr(s.size() - 5) == ".gguf";
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> query_params(const std::string& target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    out[url_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string search_answer(const settings& cfg, const std::string& target) {
  auto params = query_params(target);
  std::string want = lower(params["search"]);
  bool full = params["full"] == "true";
  struct hit {
    std::string id;
    repo_meta meta;
    std::vector<std::string> files;
  };
  std::vector<hit> hits;
  std::error_code ec;
  for (const auto& owner : fs::directory_iterator(cfg.dir, ec)) {
    if (!owner.is_directory()) continue;
    for (const auto& repo : fs::directory_iterator(owner.path(), ec)) {
      if (!repo.is_directory()) continue;
      std::string id = owner.path().filename().string() + "/" + repo.path().filename().string();
      auto files = repo_files(repo.path());
      if (lower(id).find(want) == std::string::npos || std::none_of(files.begin(), files.end(), ends_with_gguf))
        continue;
      hits.push_back({id, read_meta(repo.path()), files});
    }
  }
  std::string sort = params["sort"];
  std::sort(hits.begin(), hits.end(), [&](const hit& a, const hit& b) {
    if (sort == "likes") return a.meta.likes > b.meta.likes;
    if (sort == "lastModified") return a.meta.updated > b.meta.updated;
    return a.meta.downloads > b.meta.downloads;
  });
  size_t limit = params.contains("limit") ? std::stoul(params["limit"]) : 20;
  if (hits.size() > limit) hits.resize(limit);
  std::string out = "[";
  for (const auto& h : hits) {
    if (out.size() > 1) out += ",";
    out += "{\"_id\":" + json_string(h.id) + ",\"id\":" + json_string(h.id) +
           ",\"downloads\":" + std::to_string(h.meta.downloads) + ",\"likes\":" + std::to_string(h.meta.likes) +
           ",\"lastModified\":" + json_string(h.meta.updated) +
           ",\"gated\":" + (h.meta.gated.empty() ? "false" : json_string(h.meta.gated)) +
           ",\"private\":false,\"tags\":[\"gguf\"]";
    if (full) {
      out += ",\"siblings\":[";
      for (size_t i = 0; i < h.files.size(); ++i)
        out += (i ? ",{\"rfilename\":" : "{\"rfilename\":") + json_string(h.files[i]) + "}";
      out += "]";
    }
    out += "}";
  }
  return out + "]";
}

std::string repo_answer(const settings& cfg, const std::string& id) {
  fs::path repo = fs::path(cfg.dir) / id;
  repo_meta meta = read_meta(repo);
  std::string out = "{\"_id\":" + json_string(id) + ",\"id\":" + json_string(id) +
                    ",\"sha\":\"0123456789abcdef0123456789abcdef01234567\",\"private\":false,\"gated\":" +
                    (meta.gated.empty() ? "false" : json_string(meta.gated)) + ",\"siblings\":[";
  bool first = true;
  auto sibling = [&](const std::string& name, uint64_t size, const std::string& sha) {
    out += std::string(first ? "" : ",") + "{\"rfilename\":" + json_string(name) + ",\"size\":" + std::to_string(size);
    if (!sha.empty())
      out += ",\"lfs\":{\"sha256\":\"" + sha + "\",\"size\":" + std::to_string(size) + ",\"pointerSize\":134}";
    out += "}";
    first = false;
  };
  for (const auto& rel : repo_files(repo)) {
    std::error_code ec;
    uint64_t size = fs::file_size(repo / rel, ec);
    std::string sha;
    if (ends_with_gguf(rel)) {
      sha = cached_sha256(repo / rel);
      if (cfg.wrong_sha) sha[0] = sha[0] == '0' ? '1' : '0';
    }
    sibling(rel, size, sha);
  }
  for (const auto& extra : cfg.extra_siblings) sibling(extra, 100, std::string(64, 'a'));
  return out + "]}";
}

void handle(tcp::socket s, settings& cfg, bool cdn) {
  beast::flat_buffer buf;
  http::request<http::empty_body> req;
  beast::error_code ec;
  http::read(s, buf, req, ec);
  if (ec) return;
  std::string target(req.target());
  std::string path = target.substr(0, target.find('?'));
  std::string range(req[http::field::range]);
  std::string auth(req[http::field::authorization]);
  bool authorized = cfg.token.empty() || auth == "Bearer " + cfg.token;
  int status = 404;
  uint64_t sent = 0;
  auto rate_limited = [&] {
    if (cfg.rate_limit.fetch_sub(1) <= 0) return false;
    http::response<http::string_body> res{http::status::too_many_requests, 11};
    res.set(http::field::retry_after, "1");
    res.body() = "Too Many Requests";
    send(s, res);
    status = 429;
    return true;
  };
  if (cdn) {
    // /cdn/{owner}/{repo}/{path}
    if (path.starts_with("/cdn/"))
      status = serve_file(s, cfg, path.substr(5), range, sent);
    else
      send_status(s, http::status::not_found);
  } else if (path == "/api/models") {
    if (!rate_limited()) {
      send_json(s, search_answer(cfg, target));
      status = 200;
    }
  } else if (path.starts_with("/api/models/")) {
    std::string id = path.substr(12);
    if (rate_limited()) {
    } else if (!authorized) {
      send_status(s, http::status::unauthorized, "{\"error\":\"Access to this model is restricted\"}");
      status = 401;
    } else if (std::count(id.begin(), id.end(), '/') != 1 || id.find("..") != std::string::npos ||
               !fs::is_directory(fs::path(cfg.dir) / id)) {
      send_status(s, http::status::not_found, "{\"error\":\"Repository not found\"}");
    } else {
      send_json(s, repo_answer(cfg, id));
      status = 200;
    }
  } else {
    // /{owner}/{repo}/resolve/{rev}/{path}
    auto p1 = path.find('/', 1), p2 = p1 == std::string::npos ? p1 : path.find('/', p1 + 1);
    auto p3 = p2 == std::string::npos ? p2 : path.find('/', p2 + 1);
    auto p4 = p3 == std::string::npos ? p3 : path.find('/', p3 + 1);
    if (p4 == std::string::npos || path.substr(p2, p3 - p2) != "/resolve") {
      send_status(s, http::status::not_found);
    } else if (rate_limited()) {
    } else if (!authorized) {
      send_status(s, http::status::unauthorized, "Access to this model is restricted");
      status = 401;
    } else {
      std::string rel = path.substr(1, p2 - 1) + url_decode(path.substr(p4));  // owner/repo + /path
      if (cfg.redirect) {
        http::response<http::string_body> res{http::status::found, 11};
        res.set(http::field::location,
                "http://127.0.0.1:" + std::to_string(cfg.cdn_port) + "/cdn/" + rel + "?signature=abc");
        send(s, res);
        status = 302;
      } else {
        status = serve_file(s, cfg, rel, range, sent);
      }
    }
  }
  log_line("request " + std::string(cdn ? "cdn" : "main") + " " + path + " range=" + (range.empty() ? "-" : range) +
           " auth=" + (auth.empty() ? "absent" : "present") + " status=" + std::to_string(status) +
           " sent=" + std::to_string(sent));
  s.shutdown(tcp::socket::shutdown_send, ec);
  // let the client read what was sent before the socket closes (no reset over unread data)
  char drain[4096];
  s.non_blocking(false, ec);
  struct timeval tv {
    1, 0
  };
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (::recv(s.native_handle(), drain, sizeof drain, 0) > 0) {
  }
}

void accept_loop(tcp::acceptor& acc, settings& cfg, bool cdn) {
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
  std::signal(SIGPIPE, SIG_IGN);
  settings cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--dir" && has_value) {
      cfg.dir = argv[++i];
    } else if (a == "--token" && has_value) {
      cfg.token = argv[++i];
    } else if (a == "--redirect") {
      cfg.redirect = true;
    } else if (a == "--ignore-range") {
      cfg.ignore_range = true;
    } else if (a == "--drop-at" && has_value) {
      cfg.drop_at = std::stoll(argv[++i]);
    } else if (a == "--wrong-sha") {
      cfg.wrong_sha = true;
    } else if (a == "--rate-limit" && has_value) {
      cfg.rate_limit = std::stoi(argv[++i]);
    } else if (a == "--trickle" && has_value) {
      cfg.trickle = std::stoull(argv[++i]);
    } else if (a == "--extra-sibling" && has_value) {
      cfg.extra_siblings.push_back(argv[++i]);
    } else {
      std::cerr << "usage: mock-hub --dir DIR [--redirect] [--token T] [--ignore-range] [--drop-at N] [--wrong-sha]"
                   " [--rate-limit K] [--trickle BYTES_PER_S] [--extra-sibling NAME]\n";
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
