// /v1/responses at the gateway's edge: the request translated into an OpenAI chat request (or a
// 400 naming what cannot be), and OpenAI answers, errors and streams translated back.
#include "server/inbound_responses.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "backends/chat_answer.h"

using namespace sy;

namespace {

boost::json::object json_of(std::string_view text) {
  return boost::json::parse(text).as_object();
}

// The `event:` names of an SSE text, in order.
std::vector<std::string> event_names(std::string_view sse) {
  std::vector<std::string> out;
  for (std::size_t at = 0; (at = sse.find("event: ", at)) != std::string_view::npos;) {
    auto end = sse.find('\n', at);
    out.emplace_back(sse.substr(at + 7, end - at - 7));
    at = end;
  }
  return out;
}

}  // namespace

TEST(inbound_responses, request_becomes_a_chat_request) {
  auto t = read_responses_chat(
      R"({"model":"fast","instructions":"Be brief.","input":"Hi","stream":true,"max_output_tokens":32,"store":false})");
  auto* ok = std::get_if<decoded_responses_chat>(&t);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->chat.model, "fast");
  EXPECT_TRUE(ok->chat.request.stream);
  EXPECT_EQ(ok->echo.at("max_output_tokens"), 32);
  // as an OpenAI-compatible target gets it
  auto written = api::write_openai_request(ok->chat.request);
  ASSERT_TRUE(std::holds_alternative<std::string>(written));
  auto body = json_of(std::get<std::string>(written));
  EXPECT_EQ(body["model"], "fast");
  EXPECT_EQ(body["max_tokens"], 32);
  EXPECT_EQ(body["messages"].as_array().size(), 2u);
  EXPECT_EQ(body["stream_options"].as_object()["include_usage"], true);
  EXPECT_FALSE(body.contains("store"));
}

TEST(inbound_responses, unsupported_features_are_a_400_naming_them) {
  auto t = read_responses_chat(
      R"({"model":"fast","input":"Hi","previous_response_id":"resp_1","tools":[{"type":"web_search"}]})");
  auto* e = std::get_if<api::api_error>(&t);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400u);
  EXPECT_TRUE(e->param == "previous_response_id" || e->param == "tools of type 'web_search'") << e->param;
  EXPECT_NE(e->message.find("previous_response_id"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("tools of type 'web_search'"), std::string::npos) << e->message;
  auto body = json_of(api::write_openai_error(*e));
  EXPECT_EQ(body["error"].as_object()["type"], "invalid_request_error");
  EXPECT_EQ(body["error"].as_object()["param"].as_string(), e->param);
}

TEST(inbound_responses, answer_and_upstream_error) {
  auto tr =
      backends::chat_answer::from_openai(std::make_unique<responses_answer_encoder>("fast", api::responses_echo{}));
  auto o = json_of(tr.body(200, R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"up",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})"));
  EXPECT_EQ(o["object"], "response");
  EXPECT_EQ(o["id"], "resp_chatcmpl-1");
  EXPECT_EQ(o["model"], "fast");
  EXPECT_EQ(o["status"], "completed");
  EXPECT_EQ(o["usage"].as_object()["total_tokens"], 4);
  EXPECT_GT(o["created_at"].as_int64(), 1);  // the gateway's clock

  auto err = json_of(tr.body(503, R"({"error":{"message":"busy","type":"server_error"}})"));
  EXPECT_EQ(err["error"].as_object()["message"], "busy");
}

TEST(inbound_responses, stream_and_its_failures) {
  const std::string chunk =
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]})"
      "\n\n";
  {
    auto tr =
        backends::chat_answer::from_openai(std::make_unique<responses_answer_encoder>("fast", api::responses_echo{}));
    std::string out = tr.stream_events(chunk);
    out += tr.stream_events("data: [DONE]\n\n");
    out += tr.stream_end();
    auto names = event_names(out);
    ASSERT_FALSE(names.empty());
    EXPECT_EQ(names.front(), "response.created");
    EXPECT_EQ(names.back(), "response.completed");
  }
  {  // the HTTP body ended, the stream did not: no fabricated end
    auto tr =
        backends::chat_answer::from_openai(std::make_unique<responses_answer_encoder>("fast", api::responses_echo{}));
    std::string out = tr.stream_events(chunk);
    out += tr.stream_end();
    auto names = event_names(out);
    ASSERT_GE(names.size(), 2u);
    EXPECT_EQ(names[names.size() - 2], "error");
    EXPECT_EQ(names.back(), "response.failed");
  }
  {  // the relay failed mid-stream
    auto tr =
        backends::chat_answer::from_openai(std::make_unique<responses_answer_encoder>("fast", api::responses_echo{}));
    std::string out = tr.stream_events(chunk);
    out += tr.stream_error("connection reset");
    auto names = event_names(out);
    EXPECT_EQ(names.back(), "response.failed");
    EXPECT_NE(out.find("connection reset"), std::string::npos);
  }
}
