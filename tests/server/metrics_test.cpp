#include "server/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

TEST(metrics, renders_prometheus_text) {
  sy::gateway_metrics m;
  m.record_request("openai", "openai/gpt-4o", 200, 0.003, 0.002);
  m.record_request("openai", "openai/gpt-4o", 200, 0.2, -1);
  m.record_request("openai", "openai/gpt-4o", 502, 0.05, -1);
  m.record_upstream_error("openai", "connect");
  m.record_tokens("openai", "openai/gpt-4o", 10, 5);
  m.in_flight_add("openai", 1);
  auto text = m.render();
  EXPECT_THAT(text,
              testing::HasSubstr(R"(switchyard_requests_total{backend="openai",model="openai/gpt-4o",code="200"} 2)"));
  EXPECT_THAT(text,
              testing::HasSubstr(R"(switchyard_requests_total{backend="openai",model="openai/gpt-4o",code="502"} 1)"));
  EXPECT_THAT(
      text, testing::HasSubstr(
                R"(switchyard_request_duration_seconds_bucket{backend="openai",model="openai/gpt-4o",le="0.005"} 1)"));
  EXPECT_THAT(text,
              testing::HasSubstr(
                  R"(switchyard_request_duration_seconds_bucket{backend="openai",model="openai/gpt-4o",le="+Inf"} 3)"));
  EXPECT_THAT(text,
              testing::HasSubstr(R"(switchyard_first_byte_seconds_count{backend="openai",model="openai/gpt-4o"} 1)"));
  EXPECT_THAT(text, testing::HasSubstr(R"(switchyard_upstream_errors_total{backend="openai",reason="connect"} 1)"));
  EXPECT_THAT(text, testing::HasSubstr(
                        R"(switchyard_tokens_total{backend="openai",model="openai/gpt-4o",direction="prompt"} 10)"));
  EXPECT_THAT(text, testing::HasSubstr(R"(switchyard_requests_in_flight{backend="openai"} 1)"));
}

TEST(metrics, escapes_label_values) {
  EXPECT_EQ(sy::prom_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}
