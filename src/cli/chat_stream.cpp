#include "cli/chat_stream.h"

#include <chrono>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sy::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

namespace {

std::string message_of(std::string_view body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec)
    if (auto* o = v.if_object())
      if (auto* e = o->if_contains("error")) {
        if (auto* eo = e->if_object(); eo && eo->contains("message") && eo->at("message").is_string())
          return std::string(eo->at("message").as_string());
        if (e->is_string()) return std::string(e->as_string());
      }
  return std::string(body.substr(0, 500));
}

// One SSE "data:" payload. Returns false at [DONE].
bool on_event(std::string_view data, chat_result& r, const std::function<void(std::string_view)>& on_text,
              std::chrono::steady_clock::time_point start) {
  if (data == "[DONE]") return false;
  json::error_code ec;
  auto v = json::parse(data, ec);
  auto* o = ec ? nullptr : v.if_object();
  if (!o) return true;
  if (auto* e = o->if_contains("error")) {
    r.error = message_of(data);
    (void)e;
    return false;
  }
  if (auto* usage = o->if_contains("usage"); usage && usage->is_object()) {
    auto& u = usage->as_object();
    if (auto* p = u.if_contains("prompt_tokens"); p && p->is_int64()) r.prompt_tokens = long(p->as_int64());
    if (auto* c = u.if_contains("completion_tokens"); c && c->is_int64()) r.completion_tokens = long(c->as_int64());
  }
  auto* choices = o->if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty()) return true;
  auto* choice = choices->as_array()[0].if_object();
  if (!choice) return true;
  if (auto* f = choice->if_contains("finish_reason"); f && f->is_string()) r.finish_reason = f->as_string();
  auto* delta = choice->if_contains("delta");
  if (!delta || !delta->is_object()) return true;
  for (const char* field : {"reasoning_content", "content"}) {
    auto* c = delta->as_object().if_contains(field);
    if (!c || !c->is_string() || c->as_string().empty()) continue;
    if (r.first_token_s == 0)
      r.first_token_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string_view piece = c->as_string();
    if (field == std::string_view("content")) r.text += piece;
    on_text(piece);
  }
  return true;
}

}  // namespace

chat_result stream_chat(unsigned short port, const std::vector<std::string>& headers, const std::string& model,
                        const json::array& messages, const json::object& extra,
                        const std::function<void(std::string_view)>& on_text) {
  chat_result r;
  auto start = std::chrono::steady_clock::now();
  try {
    net::io_context ctx;
    beast::tcp_stream stream(ctx);
    stream.connect(net::ip::tcp::endpoint(net::ip::address_v4::loopback(), port));
    json::object body = extra;
    body["model"] = model;
    body["messages"] = messages;
    body["stream"] = true;
    body["stream_options"] = json::object{{"include_usage", true}};
    http::request<http::string_body> req{http::verb::post, "/v1/chat/completions", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "text/event-stream");
    for (const auto& h : headers) {
      auto colon = h.find(':');
      if (colon == std::string::npos) continue;
      auto value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      req.set(h.substr(0, colon), value);
    }
    req.body() = json::serialize(body);
    req.prepare_payload();
    http::write(stream, req);

    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    http::read_header(stream, buf, parser);
    const unsigned status = parser.get().result_int();
    std::string pending;  // bytes of an incomplete SSE line
    std::string error_body;
    bool done = false;
    char chunk[16 * 1024];
    while (!parser.is_done() && !done) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      beast::error_code ec;
      http::read(stream, buf, parser, ec);
      if (ec && ec != http::error::need_buffer) throw beast::system_error(ec);
      std::string_view got(chunk, sizeof chunk - parser.get().body().size);
      if (status != 200) {
        error_body.append(got.substr(0, 64 * 1024 - std::min<std::size_t>(error_body.size(), 64 * 1024)));
        continue;
      }
      pending.append(got);
      for (auto nl = pending.find('\n'); nl != std::string::npos && !done; nl = pending.find('\n')) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.starts_with("data:")) {
          std::string_view data = std::string_view(line).substr(5);
          while (!data.empty() && data.front() == ' ') data.remove_prefix(1);
          done = !on_event(data, r, on_text, start);
        }
      }
    }
    r.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status != 200) {
      r.error = "HTTP " + std::to_string(status) + ": " + message_of(error_body);
    } else if (r.error.empty() && !done) {
      r.error = "the stream ended without [DONE]: the answer may be cut short";
    }
    r.ok = r.error.empty();
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    r.error = std::string("cannot reach the gateway: ") + e.what();
  }
  return r;
}

}  // namespace sy::cli
