// What the inbound server does per request before the handler sees it: parse the head and body
// that one read brought whole (http/buffered_parse.h).
#include <cstring>
#include <string>

#include <benchmark/benchmark.h>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/buffered_parse.h"
#include "http/head_fields.h"
#include "http/reply.h"
#include "http/request_framing.h"
#include "http/socket_deadlines.h"

namespace {

namespace bhttp = boost::beast::http;

const std::string chat_body =
    R"({"model":"up/mock-chat","messages":[{"role":"user","content":"Say hello in French."}]})";
const std::string chat_request =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8321\r\nUser-Agent: switchyard-loadgen\r\n"
    "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
    std::to_string(chat_body.size()) + "\r\n\r\n" + chat_body;

void parse_buffered_request(benchmark::State& state) {
  boost::beast::flat_buffer buffer(64 * 1024);
  for (auto _ : state) {
    auto room = buffer.prepare(chat_request.size());
    std::memcpy(room.data(), chat_request.data(), chat_request.size());
    buffer.commit(chat_request.size());
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);
    boost::beast::error_code ec;
    bool whole = sy::http::parse_buffered(
        parser, buffer, [&] { return parser.is_done(); }, ec);
    if (!whole || ec || buffer.size() != 0) state.SkipWithError("the request did not parse whole");
    benchmark::DoNotOptimize(whole);
    benchmark::DoNotOptimize(parser.get().body().data());
  }
}
BENCHMARK(parse_buffered_request);

// The head fields the server and the gateway act on, from a parsed chat request's head.
bhttp::request<bhttp::string_body> parsed_chat_request() {
  bhttp::request_parser<bhttp::string_body> parser;
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(chat_request), ec);
  return parser.release();
}

void read_head_fields_one_pass(benchmark::State& state) {  // http/head_fields.h
  auto req = parsed_chat_request();
  for (auto _ : state) {
    auto h = sy::http::scan_head_fields(req);
    auto refused = sy::http::check_framing(h, req.version());
    benchmark::DoNotOptimize(refused);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(read_head_fields_one_pass);

// Before: each field looked up in Beast's tree (what the server and the gateway asked, in order),
// the framing checked by counts.
void read_head_fields_by_lookup(benchmark::State& state) {
  auto req = parsed_chat_request();
  for (auto _ : state) {
    bool framing_ok = req.count(bhttp::field::host) == 1 && req.count(bhttp::field::content_length) <= 1 &&
                      req.count(bhttp::field::transfer_encoding) == 0;
    std::string_view seen[] = {req[bhttp::field::host],
                               req[bhttp::field::origin],
                               req["sec-fetch-site"],
                               req[bhttp::field::host],
                               req[bhttp::field::expect],
                               req["x-request-id"],
                               req[bhttp::field::authorization],
                               req["x-api-key"],
                               req[bhttp::field::content_type],
                               req["x-session-id"],
                               req[bhttp::field::accept]};
    bool keep = req.keep_alive();
    benchmark::DoNotOptimize(framing_ok);
    benchmark::DoNotOptimize(seen);
    benchmark::DoNotOptimize(keep);
  }
}
BENCHMARK(read_head_fields_by_lookup);

// The head of a relayed answer: status line, the passed-through and added fields, the length.
void serialize_relayed_response_head(benchmark::State& state) {
  sy::http::header_list headers{{"Content-Type", "application/json"},
                                {"openai-processing-ms", "12"},
                                {"x-request-id", "4f2c9a1b7d3e5f60"},
                                {"x-switchyard-backend", "up"},
                                {"x-switchyard-model", "up/mock-chat"}};
  for (auto _ : state) {
    std::string head;
    head.reserve(256);
    sy::http::serialize_response_head(head, 200, headers, 342, true);
    benchmark::DoNotOptimize(head.data());
  }
}
BENCHMARK(serialize_relayed_response_head);

// A read's deadline, as the upstream client arms it now (socket_deadlines: a list insert and
// erase) and as Beast's tcp_stream did (a timer armed, cancelled, and its cancelled handler run).
void deadline_per_read_socket_deadlines(benchmark::State& state) {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::socket socket(ctx);
  sy::http::socket_deadlines deadlines(ctx.get_executor());
  for (auto _ : state) {
    sy::http::socket_deadlines::guard g(deadlines, socket, std::chrono::seconds(60));
    benchmark::DoNotOptimize(&g);
  }
}
BENCHMARK(deadline_per_read_socket_deadlines);

void deadline_per_read_steady_timer(benchmark::State& state) {
  boost::asio::io_context ctx;
  boost::asio::steady_timer timer(ctx);
  for (auto _ : state) {
    timer.expires_after(std::chrono::seconds(60));
    timer.async_wait([](const boost::system::error_code&) {});
    timer.cancel();
    ctx.poll();  // the cancelled wait's handler: one trip through the queue
    ctx.restart();
  }
}
BENCHMARK(deadline_per_read_steady_timer);

}  // namespace
