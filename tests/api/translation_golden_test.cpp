// Golden tests for every OpenAI <-> Anthropic translation pair: requests, responses, streams and
// error bodies, each decoded into the canonical model and encoded for the other side (and for
// the same side, where what a client sent must come back unchanged). Fixtures were written from
// the providers' public API references; see tests/api/fixtures/.
#include <gtest/gtest.h>

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"
#include "golden.h"

using namespace sy::api;

namespace {

enum class wire { openai, anthropic };

struct golden_pair {
  const char* input;
  const char* expected;
  wire from, to;
};

using golden::ok;

std::string translate_request(const golden_pair& c) {
  auto body = golden::read_fixture(c.input);
  auto parsed = c.from == wire::openai ? parse_openai_request(body) : parse_anthropic_request(body);
  auto* req = ok(parsed);
  if (!req) return {};
  EXPECT_TRUE(req->untranslated.empty()) << req->untranslated.front();
  auto out = c.to == wire::openai ? write_openai_request(*req) : write_anthropic_request(*req);
  auto* text = ok(out);
  return text ? *text : std::string{};
}

std::string translate_response(const golden_pair& c) {
  auto body = golden::read_fixture(c.input);
  auto parsed = c.from == wire::openai ? parse_openai_response(body) : parse_anthropic_response(body);
  auto* resp = ok(parsed);
  if (!resp) return {};
  return c.to == wire::openai ? write_openai_response(*resp) : write_anthropic_response(*resp);
}

// Feeds each `data:` payload to the decoder and every canonical event to the encoder, as the
// gateway will; the encoders use a fixed id, created time and model.
std::string translate_stream(const golden_pair& c) {
  openai_stream_decoder od;
  anthropic_stream_decoder ad;
  openai_stream_encoder oe("chatcmpl-sy", 1700000000, "test-model", true);
  anthropic_stream_encoder ae("msg_sy", "test-model");
  std::string out;
  bool failed = false;
  for (const auto& e : golden::parse_sse(golden::read_fixture(c.input))) {
    for (const auto& ev : c.from == wire::openai ? od.decode(e.data) : ad.decode(e.data)) {
      failed = failed || ev.kind == stream_event_kind::error;
      out += c.to == wire::openai ? oe.encode(ev) : ae.encode(ev);
    }
  }
  bool done = c.from == wire::openai ? od.done() : ad.done();
  EXPECT_NE(done, failed) << "a stream ends with [DONE]/message_stop or with an error, not both or neither";
  if (done) out += c.to == wire::openai ? oe.end() : ae.end();
  return out;
}

constexpr auto openai = wire::openai;
constexpr auto anthropic = wire::anthropic;

}  // namespace

TEST(anthropic_openai_golden, requests) {
  const golden_pair cases[] = {
      {"request_text.openai.json", "request_text.anthropic.json", openai, anthropic},
      {"request_text.anthropic.json", "request_text.openai.json", anthropic, openai},
      {"request_tools.openai.json", "request_tools.anthropic.json", openai, anthropic},
      {"request_tools.anthropic.json", "request_tools.openai.json", anthropic, openai},
      {"request_images.openai.json", "request_images.anthropic.json", openai, anthropic},
      {"request_images.anthropic.json", "request_images.openai.json", anthropic, openai},
      {"request_reasoning.anthropic.json", "request_reasoning.anthropic_to_openai.json", anthropic, openai},
      {"request_reasoning.openai.json", "request_reasoning.openai_to_anthropic.json", openai, anthropic},
      {"request_tool_error.anthropic.json", "request_tool_error.anthropic_to_openai.json", anthropic, openai},
      // through the canonical model and back to the same wire: unchanged
      {"request_text.openai.json", "request_text.openai.json", openai, openai},
      {"request_text.anthropic.json", "request_text.anthropic.json", anthropic, anthropic},
      {"request_tools.openai.json", "request_tools.openai.json", openai, openai},
      {"request_tools.anthropic.json", "request_tools.anthropic.json", anthropic, anthropic},
      {"request_images.openai.json", "request_images.openai.json", openai, openai},
      {"request_images.anthropic.json", "request_images.anthropic.json", anthropic, anthropic},
      {"request_reasoning.anthropic.json", "request_reasoning.anthropic.json", anthropic, anthropic},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    golden::expect_json_eq(translate_request(c), c.expected);
  }
}

TEST(anthropic_openai_golden, responses) {
  const golden_pair cases[] = {
      {"response_text.openai.json", "response_text.openai_to_anthropic.json", openai, anthropic},
      {"response_text.anthropic.json", "response_text.anthropic_to_openai.json", anthropic, openai},
      {"response_tools.openai.json", "response_tools.openai_to_anthropic.json", openai, anthropic},
      {"response_tools.anthropic.json", "response_tools.anthropic_to_openai.json", anthropic, openai},
      {"response_reasoning.openai.json", "response_reasoning.openai_to_anthropic.json", openai, anthropic},
      {"response_reasoning.anthropic.json", "response_reasoning.anthropic_to_openai.json", anthropic, openai},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    golden::expect_json_eq(translate_response(c), c.expected);
  }
}

TEST(anthropic_openai_golden, streams) {
  const golden_pair cases[] = {
      {"stream_text.openai.sse", "stream_text.openai_to_anthropic.sse", openai, anthropic},
      {"stream_text.anthropic.sse", "stream_text.anthropic_to_openai.sse", anthropic, openai},
      {"stream_tools.openai.sse", "stream_tools.openai_to_anthropic.sse", openai, anthropic},
      {"stream_tools.anthropic.sse", "stream_tools.anthropic_to_openai.sse", anthropic, openai},
      {"stream_reasoning.openai.sse", "stream_reasoning.openai_to_anthropic.sse", openai, anthropic},
      {"stream_reasoning.anthropic.sse", "stream_reasoning.anthropic_to_openai.sse", anthropic, openai},
      {"stream_parallel_tools.openai.sse", "stream_parallel_tools.openai_to_anthropic.sse", openai, anthropic},
      {"stream_error.openai.sse", "stream_error.openai_to_anthropic.sse", openai, anthropic},
      {"stream_error.anthropic.sse", "stream_error.anthropic_to_openai.sse", anthropic, openai},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    golden::expect_sse_eq(translate_stream(c), c.expected);
  }
}

TEST(anthropic_openai_golden, error_bodies) {
  struct error_case {
    const char* input;
    const char* expected;
    unsigned status;
    wire from, to;
  };
  const error_case cases[] = {
      {"error_rate_limit.openai.json", "error_rate_limit.anthropic.json", 429, openai, anthropic},
      {"error_rate_limit.anthropic.json", "error_rate_limit.openai.json", 429, anthropic, openai},
      {"error_auth.openai.json", "error_auth.openai_to_anthropic.json", 401, openai, anthropic},
      {"error_overloaded.anthropic.json", "error_overloaded.anthropic_to_openai.json", 529, anthropic, openai},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    auto body = golden::read_fixture(c.input);
    auto e = c.from == wire::openai ? parse_openai_error(c.status, body) : parse_anthropic_error(c.status, body);
    EXPECT_EQ(e.status, c.status);
    golden::expect_json_eq(c.to == wire::openai ? write_openai_error(e) : write_anthropic_error(e), c.expected);
  }
}
