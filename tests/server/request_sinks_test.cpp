#include "server/request_sinks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

using namespace sy;
using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;

namespace {

request_record inference_record() {
  request_record r;
  r.request_id = "req-1";
  r.method = "POST";
  r.path = "/v1/chat/completions";
  r.remote = "127.0.0.1";
  r.client = "team-a";
  r.requested_model = "chat";
  r.route = "chat";
  r.backend = "mock";
  r.target = "mock/m";
  r.stats_target = "mock/m";
  r.status = 200;
  r.stream = true;
  r.prompt_tokens = 12;
  r.completion_tokens = 3;
  r.bytes = 512;
  r.started = std::chrono::steady_clock::time_point(100s);
  r.first_byte = r.started + 20ms;
  r.duration = 250ms;
  r.finished_at = std::chrono::system_clock::time_point(1'700'000'000s);
  return r;
}

}  // namespace

TEST(request_sinks, the_access_log_line_says_what_the_record_says) {
  auto line = boost::json::parse(access_log_text(inference_record())).as_object();
  EXPECT_EQ(line.at("ts"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(line.at("request_id"), "req-1");
  EXPECT_EQ(line.at("method"), "POST");
  EXPECT_EQ(line.at("status"), 200);
  EXPECT_EQ(line.at("duration_us"), 250000);
  EXPECT_EQ(line.at("first_byte_us"), 20000);
  EXPECT_EQ(line.at("model"), "chat");
  EXPECT_EQ(line.at("target"), "mock/m");
  EXPECT_EQ(line.at("prompt_tokens"), 12);
  EXPECT_EQ(line.at("client"), "team-a");
  EXPECT_EQ(line.at("remote"), "127.0.0.1");
  EXPECT_FALSE(line.contains("complete"));  // only said when it was cut short
}

TEST(request_sinks, a_refusal_has_no_model_and_no_first_byte) {
  request_record r;
  r.refused = true;
  r.request_id = "req-2";
  r.status = 431;
  r.error = "headers too large";
  r.duration = 1ms;
  auto line = boost::json::parse(access_log_text(r)).as_object();
  EXPECT_FALSE(line.contains("method"));  // the head never parsed
  EXPECT_FALSE(line.contains("model"));
  EXPECT_FALSE(line.contains("first_byte_us"));
  EXPECT_EQ(line.at("error"), "headers too large");
}

TEST(request_sinks, metrics_count_requests_and_refusals_apart) {
  gateway_metrics m;
  metrics_sink sink(m);
  sink.record(inference_record());
  request_record refused;
  refused.refused = true;
  refused.status = 408;
  sink.record(refused);
  request_record health;  // not under /v1/ and not inference: not a request the metrics count
  health.path = "/health";
  health.status = 200;
  sink.record(health);
  auto text = m.render();
  EXPECT_THAT(text, HasSubstr(R"(backend="mock")"));
  EXPECT_THAT(text, HasSubstr(R"(switchyard_requests_refused_total{code="408"} 1)"));
  EXPECT_THAT(text, Not(HasSubstr(R"(backend="none")")));
}

TEST(request_sinks, events_are_built_only_for_inference_and_only_while_someone_listens) {
  event_hub hub;
  event_sink sink(hub);
  sink.record(inference_record());  // nobody listening: nothing is built
  boost::asio::io_context io;
  auto sub = hub.subscribe(io.get_executor());
  request_record health;
  health.path = "/health";
  sink.record(health);
  sink.record(inference_record());
  std::vector<hub_event> got;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { got = co_await sub->next(std::chrono::seconds(1)); },
      boost::asio::detached);
  io.run();
  ASSERT_EQ(got.size(), 1u);  // the inference request only
  EXPECT_EQ(got[0].kind, "request");
  auto e = boost::json::parse(got[0].json).as_object();
  EXPECT_EQ(e.at("target"), "mock/m");
  EXPECT_EQ(e.at("ttft_ms"), 20.0);
}
