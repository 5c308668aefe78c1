// What one request costs in the wire-format code that every translated or relayed chat runs:
// reading an OpenAI answer, reading an Anthropic request, writing an OpenAI request, and the
// relay's in-place model rewrite. Bodies are the size and shape of what bench/gateway sends and
// mock-openai answers, so the numbers line up with its Ir/request table.
#include <string>

#include <benchmark/benchmark.h>

#include "api/anthropic_messages.h"
#include "api/json_field.h"
#include "api/openai_chat.h"
#include "bodies.h"

namespace {

using sy::bench::openai_answer;
using sy::bench::openai_request;

const std::string anthropic_request =
    R"({"model":"mock/mock-chat","max_tokens":64,"messages":[{"role":"user","content":"Say hello in French."}]})";

void parse_openai_answer(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sy::api::parse_openai_response(openai_answer);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * openai_answer.size()));
}
BENCHMARK(parse_openai_answer);

void parse_anthropic_messages_request(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sy::api::parse_anthropic_request(anthropic_request);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(parse_anthropic_messages_request);

void write_openai_chat_request(benchmark::State& state) {
  auto parsed = sy::api::parse_anthropic_request(anthropic_request);
  const auto& request = std::get<sy::api::chat_request>(parsed);
  for (auto _ : state) {
    auto w = sy::api::write_openai_request(request, {.model = "mock-chat"});
    benchmark::DoNotOptimize(w);
  }
}
BENCHMARK(write_openai_chat_request);

void rewrite_model_in_place(benchmark::State& state) {
  for (auto _ : state) {
    auto body = sy::api::replace_top_level_string(openai_request, "model", "mock-chat");
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(rewrite_model_in_place);

}  // namespace
