// What the plain OpenAI relay spends per request beside moving bytes: reading the routing fields
// of the request and the usage of the answer it passes on (one pass, and the JSON tree each
// replaced), and the usage ledger's row.
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "../../tests/support/request_fields_tree_oracle.h"
#include "../../tests/support/usage_tree_oracle.h"
#include "backends/reported_usage.h"
#include "bodies.h"
#include "server/usage_store.h"

namespace {

using sy::bench::openai_answer;

void read_usage_one_pass(benchmark::State& state) {
  for (auto _ : state) {
    boost::system::error_code ec;
    auto u = sy::backends::read_reported_usage(openai_answer, ec);
    benchmark::DoNotOptimize(u);
  }
}
BENCHMARK(read_usage_one_pass);

void read_usage_json_tree(benchmark::State& state) {  // before: json::parse, then the members
  for (auto _ : state) {
    boost::system::error_code ec;
    auto u = sy::test::usage_from_tree(openai_answer, ec);
    benchmark::DoNotOptimize(u);
  }
}
BENCHMARK(read_usage_json_tree);

const std::string& chat_request = sy::bench::openai_request;

void read_request_fields_one_pass(benchmark::State& state) {
  for (auto _ : state) {
    boost::system::error_code ec;
    auto f = sy::read_request_fields(chat_request, "/chat/completions", ec);
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(read_request_fields_one_pass);

void read_request_fields_json_tree(benchmark::State& state) {  // before: json::parse, then the members
  for (auto _ : state) {
    boost::system::error_code ec;
    auto f = sy::test::request_fields_from_tree(chat_request, "/chat/completions", ec);
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(read_request_fields_json_tree);

// One relayed request's row: queued by the worker, written by the ledger's thread in a batch.
void usage_ledger_row(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / ("sy-micro-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    sy::usage_store ledger((dir / "usage.db").string());
    sy::usage_record r;
    r.key_id = "anonymous";
    r.backend = "up";
    r.model = "up/mock-chat";
    r.requested_model = "up/mock-chat";
    r.endpoint = "/v1/chat/completions";
    r.status = 200;
    r.input_tokens = 5;
    r.output_tokens = 12;
    r.duration_us = 250;
    r.ttft_us = 240;
    std::int64_t n = 0;
    for (auto _ : state) {
      r.at_ms = 1765000000000 + n;
      ledger.record(r);
      if (++n % 512 == 0) ledger.flush();
    }
    ledger.flush();
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(usage_ledger_row);

}  // namespace
