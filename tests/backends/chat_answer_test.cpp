// One chat answer's way from an upstream wire to a client wire (backends/chat_answer.h): what it
// counts from the canonical form (usage, content events), and what it refuses or ends.
#include "backends/chat_answer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "backends/openai_compat/openai_answer.h"

using namespace sy;
using testing::HasSubstr;

namespace {

// An OpenAI upstream's answer for an OpenAI client: the simplest pair of halves.
backends::chat_answer openai_to_openai() {
  return backends::chat_answer::from_openai(std::make_unique<backends::openai_answer_encoder>());
}

std::string chunk(std::string_view delta_and_finish) {
  return std::string(R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[)") +
         std::string(delta_and_finish) + "]}\n\n";
}

}  // namespace

TEST(chat_answer, a_whole_answer_is_counted_from_its_usage) {
  auto a = openai_to_openai();
  auto body = a.body(200, R"({"id":"c1","object":"chat.completion","created":1,"model":"up","choices":[
      {"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13,"prompt_tokens_details":{"cached_tokens":8}}})");
  EXPECT_EQ(boost::json::parse(body).at("choices").at(0).at("message").at("content"), "Hi");
  EXPECT_FALSE(a.unreadable());
  backends::forward_outcome out;
  a.tally(out);
  EXPECT_EQ(out.prompt_tokens, 11);
  EXPECT_EQ(out.completion_tokens, 2);
  EXPECT_EQ(out.cached_tokens, 8);
}

TEST(chat_answer, a_2xx_it_cannot_read_is_unreadable_not_an_answer) {
  auto a = openai_to_openai();
  auto body = a.body(200, R"({"object":"chat.completion","choices":"nope"})");
  ASSERT_TRUE(a.unreadable());  // the backend answers 502 for it
  EXPECT_TRUE(boost::json::parse(body).as_object().contains("error"));
  auto b = openai_to_openai();
  b.body(200, "not json");
  EXPECT_TRUE(b.unreadable());
  auto c = openai_to_openai();  // an upstream error is an answer (in the client's form), not unreadable
  c.body(429, R"({"error":{"message":"slow down","type":"rate_limit_error"}})");
  EXPECT_FALSE(c.unreadable());
}

TEST(chat_answer, a_stream_counts_content_events_and_takes_the_last_usage) {
  auto a = openai_to_openai();
  std::string out = a.stream_events(chunk(R"({"index":0,"delta":{"role":"assistant","content":"He"}})") +
                                    chunk(R"({"index":0,"delta":{"content":"llo"}})") +
                                    chunk(R"({"index":0,"delta":{},"finish_reason":"stop"})"));
  out += a.stream_events(
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})"
      "\n\ndata: [DONE]\n\n");
  EXPECT_EQ(a.stream_cut_short(), "");
  out += a.stream_end();
  EXPECT_THAT(out, HasSubstr(R"("content":"llo")"));
  EXPECT_THAT(out, HasSubstr("data: [DONE]"));
  backends::forward_outcome o;
  a.tally(o);
  EXPECT_EQ(o.stream_chunks, 2);
  EXPECT_EQ(o.prompt_tokens, 5);
  EXPECT_EQ(o.completion_tokens, 2);
}

TEST(chat_answer, a_stream_that_failed_says_so_once_and_counts_as_cut_short) {
  auto a = openai_to_openai();
  std::string out = a.stream_events(chunk(R"({"index":0,"delta":{"content":"Hi"}})") +
                                    R"(data: {"error":{"message":"engine crashed","type":"server_error"}})"
                                    "\n\n" +
                                    chunk(R"({"index":0,"delta":{"content":"more"}})"));
  EXPECT_THAT(out, HasSubstr("engine crashed"));
  EXPECT_THAT(out, testing::Not(HasSubstr("more")));  // nothing after the error
  EXPECT_NE(a.stream_cut_short(), "");                // recorded as failed
  EXPECT_EQ(a.stream_error("backend 'x' failed mid-stream"), "");
  EXPECT_EQ(a.stream_end(), "");
}

TEST(chat_answer, a_body_that_ends_before_the_streams_end_is_an_error_not_a_clean_end) {
  auto a = openai_to_openai();
  a.stream_events(chunk(R"({"index":0,"delta":{"content":"Hi"}})"));
  EXPECT_EQ(a.stream_cut_short(), "the upstream's stream ended before its last event ([DONE])");
  auto end = a.stream_end();
  EXPECT_THAT(end, HasSubstr("ended before its last event"));
  EXPECT_THAT(end, testing::Not(HasSubstr("data: [DONE]")));
}
