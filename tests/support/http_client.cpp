#include "http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sy::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

struct http_connection::impl {
  net::io_context ctx;
  beast::tcp_stream stream{ctx};
  beast::flat_buffer buffer;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
  std::string accumulated;
  char piece[65536];

  bhttp::request<bhttp::string_body> make(const std::string& method, const std::string& target, const std::string& body,
                                          const std::vector<std::pair<std::string, std::string>>& headers) {
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    return req;
  }
  static response head_of(const bhttp::response<bhttp::buffer_body>& msg) {
    response r;
    r.status = msg.result_int();
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    return r;
  }
};

http_connection::http_connection(unsigned short port) : impl_(std::make_unique<impl>()) {
  impl_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  impl_->stream.expires_never();
}

http_connection::~http_connection() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

response http_connection::start(const std::string& method, const std::string& target, const std::string& body,
                                const std::vector<std::pair<std::string, std::string>>& headers) {
  while (!done()) read_piece();  // finish the previous response before reusing the connection
  auto req = impl_->make(method, target, body, headers);
  impl_->stream.expires_after(std::chrono::seconds(30));
  bhttp::write(impl_->stream, req);
  impl_->parser.emplace();
  impl_->parser->body_limit(boost::none);
  bhttp::read_header(impl_->stream, impl_->buffer, *impl_->parser);
  impl_->accumulated.clear();
  return impl::head_of(impl_->parser->get());
}

std::string http_connection::read_piece() {
  auto& p = *impl_->parser;
  while (!p.is_done()) {
    p.get().body().data = impl_->piece;
    p.get().body().size = sizeof(impl_->piece);
    beast::error_code ec;
    impl_->stream.expires_after(std::chrono::seconds(30));
    bhttp::read_some(impl_->stream, impl_->buffer, p, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) throw beast::system_error(ec);
    std::size_t n = sizeof(impl_->piece) - p.get().body().size;
    if (n > 0) {
      std::string s(impl_->piece, n);
      impl_->accumulated += s;
      return s;
    }
  }
  return "";
}

std::string http_connection::read_until(const std::string& text) {
  std::size_t from = 0;  // search only what is new (plus an overlap), not the whole body again
  while (impl_->accumulated.find(text, from) == std::string::npos && !done()) {
    from = impl_->accumulated.size() > text.size() ? impl_->accumulated.size() - text.size() : 0;
    read_piece();
  }
  return impl_->accumulated;
}

std::string http_connection::read_rest() {
  std::string all;
  for (;;) {
    auto piece = read_piece();
    if (piece.empty() && done()) break;
    all += piece;
  }
  return all;
}

bool http_connection::done() const {
  return !impl_->parser || impl_->parser->is_done();
}

response http_connection::request(const std::string& method, const std::string& target, const std::string& body,
                                  const std::vector<std::pair<std::string, std::string>>& headers) {
  auto r = start(method, target, body, headers);
  r.body = read_rest();
  return r;
}

bool http_connection::closed_by_peer() {
  impl_->stream.expires_after(std::chrono::seconds(5));
  char c;
  beast::error_code ec;
  impl_->stream.socket().read_some(net::buffer(&c, 1), ec);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

response http_connection::raw(const std::string& bytes) {
  net::write(impl_->stream, net::buffer(bytes));
  impl_->parser.emplace();
  impl_->parser->body_limit(boost::none);
  impl_->stream.expires_after(std::chrono::seconds(30));
  bhttp::read_header(impl_->stream, impl_->buffer, *impl_->parser);
  auto r = impl::head_of(impl_->parser->get());
  r.body = read_rest();
  return r;
}

response http_request(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  http_connection c(port);
  return c.request(method, target, body, headers);
}

}  // namespace sy::test
