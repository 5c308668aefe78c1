// The request log's pages (GET /api/requests) over a ledger of 1,000,000 rows: the newest page,
// a page deep in the history, a filter that matches few rows (the scan's worst case) and a time
// range in the past. The ledger is built once, through the ledger's own writer, in a temp dir.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "server/usage_store.h"

namespace {

constexpr std::int64_t rows = 1'000'000;
constexpr std::int64_t t0 = 1'765'000'000'000;  // row i finished at t0 + 100 ms * i

// One ledger for every benchmark of this file; removed at exit.
class big_ledger {
 public:
  big_ledger() : dir_(std::filesystem::temp_directory_path() / ("sy-requests-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
    sy::usage_store_options opt;
    opt.retention_ms = std::int64_t{10} * 365 * 24 * 3600 * 1000;
    opt.requests_retention_ms = opt.retention_ms;  // every row stays a request of its own
    opt.max_request_rows = 2 * rows;
    ledger_ = std::make_unique<sy::usage_store>((dir_ / "usage.db").string(), [] { return t0 + rows * 100; }, opt);
    const char* models[] = {"up/mock-chat", "up/llama-3.1-8b", "up/qwen2.5-7b", "cloud/gpt-4o-mini"};
    for (std::int64_t i = 0; i < rows; ++i) {
      sy::usage_record r;
      r.at_ms = t0 + i * 100;
      r.key_id = i % 7 ? "team-a" : "team-b";
      r.route = "chat";
      r.backend = i % 4 == 3 ? "cloud" : "up";
      r.model = models[i % 4];
      r.requested_model = "chat";
      r.endpoint = "/v1/chat/completions";
      r.status = i % 1000 == 0 ? 502 : 200;  // one in a thousand failed
      r.input_tokens = 100;
      r.output_tokens = 200;
      r.duration_us = 900'000;
      r.ttft_us = 120'000;
      r.stream = true;
      r.request_id = std::to_string(i);
      ledger_->record(std::move(r));
      if (i % 50'000 == 0) ledger_->flush();
    }
    ledger_->flush();
  }
  ~big_ledger() {
    ledger_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  sy::usage_store& get() { return *ledger_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<sy::usage_store> ledger_;
};

sy::usage_store& ledger() {
  static big_ledger l;
  return l.get();
}

void page(benchmark::State& state, std::string_view query_string, bool finds_rows = true) {
  auto& l = ledger();
  auto q = std::get<sy::request_page_query>(sy::usage_store::parse_request_page(query_string, t0 + rows * 100));
  for (auto _ : state) {
    auto json = l.requests_json(q);
    if (finds_rows != (json.find("\"id\"") != std::string::npos)) state.SkipWithError("not the expected page");
    benchmark::DoNotOptimize(json.data());
  }
}

void request_log_newest_page(benchmark::State& state) {
  page(state, "limit=100");
}
BENCHMARK(request_log_newest_page)->Unit(benchmark::kMillisecond);

void request_log_deep_page(benchmark::State& state) {
  page(state, "limit=100&before=1000");
}
BENCHMARK(request_log_deep_page)->Unit(benchmark::kMillisecond);

// 1 row in 1000 matches: the page's 100 rows are found by walking 100,000
void request_log_rare_filter(benchmark::State& state) {
  page(state, "limit=100&status=error");
}
BENCHMARK(request_log_rare_filter)->Unit(benchmark::kMillisecond);

// a filter that matches nothing: every row is read (the worst case)
void request_log_no_match(benchmark::State& state) {
  page(state, "limit=100&backend=nobody", false);
}
BENCHMARK(request_log_no_match)->Unit(benchmark::kMillisecond);

// a day early in the history: the rows after it are walked first
void request_log_old_time_range(benchmark::State& state) {
  page(state, "limit=100&from=1765000000&to=1765086400");
}
BENCHMARK(request_log_old_time_range)->Unit(benchmark::kMillisecond);

// GET /api/usage?from=-24h&group_by=model&bucket=hour over the same rows: what the Usage page
// asks for (the request log's rows and the hourly totals, read as one)
void usage_summary_day_by_model_hourly(benchmark::State& state) {
  auto& l = ledger();
  auto q = std::get<sy::usage_query>(
      sy::usage_store::parse_usage_query("from=-24h&group_by=model&bucket=hour", t0 + rows * 100));
  for (auto _ : state) {
    auto json = l.summary_json(q);
    benchmark::DoNotOptimize(json.data());
  }
}
BENCHMARK(usage_summary_day_by_model_hourly)->Unit(benchmark::kMillisecond);

}  // namespace
