// What the inbound server does per request before the handler sees it: parse the head and body
// that one read brought whole (http/buffered_parse.h).
#include <cstring>
#include <string>

#include <benchmark/benchmark.h>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/buffered_parse.h"

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

}  // namespace
