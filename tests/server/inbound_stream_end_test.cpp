// The end of a translated stream (OpenAI upstream -> Anthropic, Ollama or Responses client): a
// body that ended cleanly before the upstream said the answer was over ([DONE] or a finish
// reason) ends with the client's own error, never a fabricated message_stop / done:true.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "backends/chat_answer.h"
#include "server/inbound_anthropic.h"
#include "server/inbound_ollama.h"
#include "server/inbound_responses.h"

using namespace sy;
using testing::EndsWith;
using testing::HasSubstr;
using testing::Not;

namespace {

const std::string content_chunk =
    R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]})"
    "\n\n";
const std::string finish_chunk =
    R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
    "\n\n";
const std::string error_chunk = R"(data: {"error":{"message":"engine crashed","type":"server_error"}})"
                                "\n\n";

}  // namespace

TEST(inbound_stream_end, anthropic_client_gets_event_error_not_message_stop) {
  auto tr = backends::chat_answer::from_openai(std::make_unique<anthropic_answer_encoder>("claude-test"));
  std::string out = tr.stream_events(content_chunk);
  EXPECT_EQ(tr.stream_cut_short(), "the upstream's stream ended before its last event ([DONE])");
  out += tr.stream_end();
  EXPECT_THAT(out, HasSubstr(R"("text_delta","text":"Hi")"));
  EXPECT_THAT(out, Not(HasSubstr("message_stop")));
  EXPECT_THAT(out, Not(HasSubstr("message_delta")));
  EXPECT_THAT(out, EndsWith("event: error\ndata: "
                            R"({"type":"error","error":{"type":"api_error","message":)"
                            R"x("the upstream's stream ended before its last event ([DONE])"}})x"
                            "\n\n"));
  EXPECT_EQ(tr.stream_end(), "");  // nothing after the error
}

TEST(inbound_stream_end, anthropic_client_gets_the_backends_words_when_the_relay_ends_it) {
  auto tr = backends::chat_answer::from_openai(std::make_unique<anthropic_answer_encoder>("claude-test"));
  tr.stream_events(content_chunk);
  EXPECT_EQ(tr.stream_error("backend 'mock' failed mid-stream: the upstream's stream ended before its last event"),
            "event: error\ndata: "
            R"({"type":"error","error":{"type":"api_error","message":)"
            R"("backend 'mock' failed mid-stream: the upstream's stream ended before its last event"}})"
            "\n\n");
}

TEST(inbound_stream_end, anthropic_a_finish_reason_without_done_is_an_end) {
  auto tr = backends::chat_answer::from_openai(std::make_unique<anthropic_answer_encoder>("claude-test"));
  std::string out = tr.stream_events(content_chunk + finish_chunk);
  EXPECT_EQ(tr.stream_cut_short(), "");
  out += tr.stream_end();
  EXPECT_THAT(out, HasSubstr(R"("stop_reason":"end_turn")"));
  EXPECT_THAT(out, EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
}

TEST(inbound_stream_end, anthropic_an_upstream_error_is_said_once) {
  auto tr = backends::chat_answer::from_openai(std::make_unique<anthropic_answer_encoder>("claude-test"));
  std::string out = tr.stream_events(content_chunk + error_chunk);
  EXPECT_THAT(out, HasSubstr("engine crashed"));
  EXPECT_NE(tr.stream_cut_short(), "");                                     // the stream failed: recorded as cut short
  EXPECT_EQ(tr.stream_error("backend 'mock' failed mid-stream: ..."), "");  // but one error event only
  EXPECT_EQ(tr.stream_end(), "");
}

TEST(inbound_stream_end, ollama_client_gets_an_error_line_not_done) {
  for (auto endpoint : {api::ollama_endpoint::chat, api::ollama_endpoint::generate}) {
    auto tr = backends::chat_answer::from_openai(std::make_unique<ollama_answer_encoder>("llama3", endpoint));
    std::string out = tr.stream_events(content_chunk);
    EXPECT_EQ(tr.stream_cut_short(), "the upstream's stream ended before its last event ([DONE])");
    out += tr.stream_end();
    EXPECT_THAT(out, Not(HasSubstr(R"("done":true)")));
    EXPECT_THAT(out, EndsWith("\n{\"error\":\"the upstream's stream ended before its last event ([DONE])\"}\n"));
    EXPECT_EQ(tr.stream_end(), "");
  }
}

TEST(inbound_stream_end, ollama_a_finish_reason_without_done_is_an_end) {
  auto tr =
      backends::chat_answer::from_openai(std::make_unique<ollama_answer_encoder>("llama3", api::ollama_endpoint::chat));
  std::string out = tr.stream_events(content_chunk + finish_chunk);
  EXPECT_EQ(tr.stream_cut_short(), "");
  out += tr.stream_end();
  EXPECT_THAT(out, HasSubstr(R"("done":true)"));
  EXPECT_THAT(out, HasSubstr(R"("done_reason":"stop")"));
  EXPECT_THAT(out, Not(HasSubstr("error")));
}

TEST(inbound_stream_end, responses_client_the_same_rule) {
  auto cut =
      backends::chat_answer::from_openai(std::make_unique<responses_answer_encoder>("fast", api::responses_echo{}));
  std::string out = cut.stream_events(content_chunk);
  EXPECT_NE(cut.stream_cut_short(), "");
  out += cut.stream_end();
  EXPECT_THAT(out, HasSubstr("event: response.failed"));
  EXPECT_THAT(out, Not(HasSubstr("response.completed")));

  auto finished =
      backends::chat_answer::from_openai(std::make_unique<responses_answer_encoder>("fast", api::responses_echo{}));
  out = finished.stream_events(content_chunk + finish_chunk);
  EXPECT_EQ(finished.stream_cut_short(), "");
  out += finished.stream_end();
  EXPECT_THAT(out, HasSubstr("event: response.completed"));
}
