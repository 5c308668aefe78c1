// Whether a payload of a stream relayed as it is ends that stream (api/stream_end.h), and the
// OpenAI decoder's own view of it (ended()).
#include "api/stream_end.h"

#include <gtest/gtest.h>

#include "api/openai_chat.h"

using namespace sy::api;

TEST(stream_end, openai_done_error_or_a_finish_reason_end_the_stream) {
  EXPECT_TRUE(openai_payload_ends_stream("[DONE]"));
  EXPECT_TRUE(openai_payload_ends_stream(" [DONE] \r"));
  EXPECT_TRUE(openai_payload_ends_stream(R"({"error":{"message":"boom"}})"));
  EXPECT_TRUE(openai_payload_ends_stream(R"({"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"));
  // Python servers put spaces after the colons
  EXPECT_TRUE(openai_payload_ends_stream(R"({"id": "c", "choices": [{"index": 0, "finish_reason" : "length"}]})"));
  EXPECT_TRUE(openai_payload_ends_stream(
      R"({"id":"c","object":"text_completion","choices":[{"index":0,"text":"","finish_reason":"stop"}]})"));
}

TEST(stream_end, openai_content_chunks_do_not_end_it_whatever_their_text_says) {
  EXPECT_FALSE(openai_payload_ends_stream(
      R"({"id":"c","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]})"));
  EXPECT_FALSE(openai_payload_ends_stream(R"({"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]})"));
  // the words inside a string value are escaped: never a key
  EXPECT_FALSE(openai_payload_ends_stream(
      R"({"choices":[{"delta":{"content":"\"finish_reason\":\"stop\" [DONE]"},"finish_reason":null}]})"));
  EXPECT_FALSE(openai_payload_ends_stream(R"({"choices":[{"delta":{"content":"finish_reason"}}]})"));
  EXPECT_FALSE(openai_payload_ends_stream(R"({"error":null,"choices":[]})"));
  EXPECT_FALSE(openai_payload_ends_stream(""));
  EXPECT_FALSE(openai_payload_ends_stream("{not json"));
  EXPECT_FALSE(openai_payload_ends_stream(R"({"finish_reason")"));  // torn: stays within the input
}

TEST(stream_end, anthropic_message_stop_or_error_end_the_stream) {
  EXPECT_TRUE(anthropic_payload_ends_stream(R"({"type":"message_stop"})"));
  EXPECT_TRUE(
      anthropic_payload_ends_stream(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  EXPECT_FALSE(anthropic_payload_ends_stream(
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}})"));
  EXPECT_FALSE(anthropic_payload_ends_stream(
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{\"type\":\"message_stop\"}"}})"));
  EXPECT_FALSE(anthropic_payload_ends_stream(R"({"type":"ping"})"));
  EXPECT_FALSE(anthropic_payload_ends_stream("message_stop"));
}

TEST(stream_end, ollama_done_true_or_an_error_line_end_the_stream) {
  EXPECT_TRUE(ollama_line_ends_stream(
      R"({"model":"m","created_at":"2024-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"})"));
  EXPECT_TRUE(ollama_line_ends_stream(R"({"error":"an error was encountered while running the model"})"));
  EXPECT_TRUE(ollama_line_ends_stream(R"({"done": true})"));
  EXPECT_FALSE(ollama_line_ends_stream(R"({"model":"m","message":{"role":"assistant","content":"x"},"done":false})"));
  EXPECT_FALSE(ollama_line_ends_stream(R"({"model":"m","response":"\"done\":true","done":false})"));
  EXPECT_FALSE(ollama_line_ends_stream(""));
}

TEST(openai_stream_decoder, ended_after_done_or_a_finish_reason_not_after_content) {
  openai_stream_decoder d;
  d.decode(R"({"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]})");
  EXPECT_FALSE(d.ended());
  d.decode(R"({"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  EXPECT_TRUE(d.ended());
  EXPECT_FALSE(d.done());

  openai_stream_decoder only_done;
  only_done.decode("[DONE]");
  EXPECT_TRUE(only_done.ended());

  openai_stream_decoder failed;
  failed.decode(R"({"error":{"message":"boom"}})");
  EXPECT_FALSE(failed.ended());  // an error is no end: the stream failed (the client saw its error)
}
