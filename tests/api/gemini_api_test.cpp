// Gemini as an upstream: golden tests of every translation into Gemini's API (from OpenAI and
// Anthropic requests) and out of it (responses, streams, errors, embeddings, model lists into
// OpenAI's and Anthropic's formats), and what the translation refuses. Gemini fixtures were
// written from Google's public Gemini API reference.
#include <gtest/gtest.h>

#include "api/anthropic_messages.h"
#include "api/gemini_api.h"
#include "api/openai_chat.h"
#include "golden.h"

using namespace sy::api;

namespace {

using golden::ok;

chat_request parsed_request(std::string_view fixture) {
  auto body = golden::read_fixture(fixture);
  auto parsed = std::string_view(fixture).find(".anthropic") != std::string_view::npos ? parse_anthropic_request(body)
                                                                                       : parse_openai_request(body);
  auto* r = ok(parsed);
  return r ? *r : chat_request{};
}

std::string to_gemini(std::string_view fixture) {
  auto written = write_gemini_request(parsed_request(fixture));
  auto* text = ok(written);
  return text ? *text : std::string{};
}

enum class client { openai, anthropic };

std::string stream_to(std::string_view fixture, client c) {
  gemini_stream_decoder d;
  openai_stream_encoder oe("chatcmpl-sy", 1700000000, "test-model", true);
  anthropic_stream_encoder ae("msg_sy", "test-model");
  std::string out;
  bool failed = false;
  for (const auto& e : golden::parse_sse(golden::read_fixture(fixture)))
    for (const auto& ev : d.decode(e.data)) {
      failed = failed || ev.kind == stream_event_kind::error;
      out += c == client::openai ? oe.encode(ev) : ae.encode(ev);
    }
  EXPECT_NE(d.done(), failed) << "a stream ends with a finish reason or with an error, not both or neither";
  if (d.done()) out += c == client::openai ? oe.end() : ae.end();
  return out;
}

}  // namespace

TEST(gemini_golden, requests) {
  const std::pair<const char*, const char*> cases[] = {
      {"request_text.openai.json", "request_text.openai_to_gemini.json"},
      {"request_tools.openai.json", "request_tools.openai_to_gemini.json"},
      {"request_reasoning.openai.json", "request_reasoning.openai_to_gemini.json"},
      {"request_reasoning.anthropic.json", "request_reasoning.anthropic_to_gemini.json"},
      {"request_tool_error.anthropic.json", "request_tool_error.anthropic_to_gemini.json"},
      {"request_tools.anthropic.json", "request_tools.anthropic_to_gemini.json"},
      {"request_tools_images.openai.json", "request_tools_images.openai_to_gemini.json"},
  };
  for (const auto& [in, expected] : cases) golden::expect_json_eq(to_gemini(in), expected);
}

TEST(gemini_golden, responses) {
  const std::pair<const char*, const char*> cases[] = {
      {"response_text.gemini.json", "response_text.gemini_to_openai.json"},
      {"response_tools.gemini.json", "response_tools.gemini_to_openai.json"},
      {"response_blocked.gemini.json", "response_blocked.gemini_to_openai.json"},
      {"response_length.gemini.json", "response_length.gemini_to_openai.json"},
  };
  for (const auto& [in, expected] : cases) {
    auto parsed = parse_gemini_response(golden::read_fixture(in));
    if (auto* r = ok(parsed)) golden::expect_json_eq(write_openai_response(*r), expected);
  }
  // an Anthropic client keeps the signature: it comes back on the call it belongs to
  auto parsed = parse_gemini_response(golden::read_fixture("response_tools.gemini.json"));
  if (auto* r = ok(parsed))
    golden::expect_json_eq(write_anthropic_response(*r), "response_tools.gemini_to_anthropic.json");
}

TEST(gemini_golden, streams) {
  golden::expect_sse_eq(stream_to("stream_text.gemini.sse", client::openai), "stream_text.gemini_to_openai.sse");
  golden::expect_sse_eq(stream_to("stream_text.gemini.sse", client::anthropic), "stream_text.gemini_to_anthropic.sse");
  golden::expect_sse_eq(stream_to("stream_tools.gemini.sse", client::openai), "stream_tools.gemini_to_openai.sse");
  golden::expect_sse_eq(stream_to("stream_tools.gemini.sse", client::anthropic),
                        "stream_tools.gemini_to_anthropic.sse");
  golden::expect_sse_eq(stream_to("stream_error.gemini.sse", client::openai), "stream_error.gemini_to_openai.sse");
  golden::expect_sse_eq(stream_to("stream_error.gemini.sse", client::anthropic),
                        "stream_error.gemini_to_anthropic.sse");
}

TEST(gemini_golden, errors_embeddings_and_models) {
  for (auto [in, status] : {std::pair{"error_invalid.gemini.json", 400u}, {"error_rate_limit.gemini.json", 429u}}) {
    auto e = parse_gemini_error(status, golden::read_fixture(in));
    EXPECT_EQ(e.status, status);
    std::string name(in);
    golden::expect_json_eq(write_openai_error(e), name.substr(0, name.find(".gemini")) + ".gemini_to_openai.json");
    golden::expect_json_eq(write_anthropic_error(e),
                           name.substr(0, name.find(".gemini")) + ".gemini_to_anthropic.json");
  }
  auto embed = openai_embeddings_request_to_gemini(golden::read_fixture("embed_request.openai.json"));
  if (auto* r = ok(embed)) {
    EXPECT_EQ(r->model, "models/all-minilm");
    golden::expect_json_eq(r->body, "embed_request.openai_to_gemini.json");
  }
  auto vectors =
      gemini_embeddings_to_openai(golden::read_fixture("embeddings_response.gemini.json"), "all-minilm", false);
  if (auto* v = ok(vectors)) golden::expect_json_eq(*v, "embeddings_response.gemini_to_openai.json");
  auto models = parse_gemini_models(golden::read_fixture("models.gemini.json"));
  if (auto* m = ok(models)) {
    ASSERT_EQ(m->models.size(), 2u);
    EXPECT_EQ(m->models[0].name, "gemini-2.5-flash");
    EXPECT_EQ(m->models[0].input_token_limit, 1048576);
    EXPECT_EQ(m->models[0].thinking, true);
    EXPECT_EQ(m->models[1].name, "gemini-embedding-001");
    EXPECT_EQ(m->models[1].methods, (std::vector<std::string>{"embedContent", "countTextTokens", "countTokens"}));
    EXPECT_EQ(m->next_page_token, "Chxtb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA==");
  }
}

TEST(gemini_request, model_names_cannot_change_the_url) {
  EXPECT_EQ(std::get<std::string>(gemini_method_path("gemini-2.5-flash", "generateContent")),
            "/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(std::get<std::string>(gemini_method_path("models/gemini-2.5-flash", "generateContent")),
            "/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(std::get<std::string>(gemini_method_path("tunedModels/my-model-7", "generateContent")),
            "/tunedModels/my-model-7:generateContent");
  for (std::string_view bad :
       {"", "../admin", "gemini?key=x", "a/b", "gemini#x", "x:y", ".hidden", "gemini 2", "models/", "gemini%2f"}) {
    auto r = gemini_method_path(bad, "generateContent");
    ASSERT_TRUE(std::holds_alternative<api_error>(r)) << bad;
    EXPECT_EQ(std::get<api_error>(r).status, 400u);
  }
}

TEST(gemini_request, refuses_what_it_cannot_carry) {
  // an image by URL: Gemini reads only inline images or its own files
  auto r = write_gemini_request(parsed_request("request_images.openai.json"));
  ASSERT_TRUE(std::holds_alternative<api_error>(r));
  EXPECT_NE(std::get<api_error>(r).message.find("inline"), std::string::npos);

  // a tool result whose call is nowhere in the conversation: the function's name is unknown
  auto orphan = parse_openai_request(
      R"({"model":"m","messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"call_x","content":"42"}]})");
  auto w = write_gemini_request(std::get<chat_request>(orphan));
  ASSERT_TRUE(std::holds_alternative<api_error>(w));
  EXPECT_NE(std::get<api_error>(w).message.find("call_x"), std::string::npos);

  // nothing to send
  auto only_system = parse_openai_request(R"({"model":"m","messages":[{"role":"system","content":"be brief"}]})");
  EXPECT_TRUE(std::holds_alternative<api_error>(write_gemini_request(std::get<chat_request>(only_system))));

  // token-array embeddings and non-float encodings
  EXPECT_TRUE(
      std::holds_alternative<api_error>(openai_embeddings_request_to_gemini(R"({"model":"e","input":[[1,2]]})")));
  EXPECT_TRUE(std::holds_alternative<api_error>(
      openai_embeddings_request_to_gemini(R"({"model":"e","input":"x","encoding_format":"int8"})")));
  EXPECT_TRUE(std::holds_alternative<api_error>(openai_embeddings_request_to_gemini(R"({"model":"e","input":[]})")));
}

TEST(gemini_response, refuses_malformed_replies) {
  for (std::string_view bad :
       {"", "[]", "{}", R"({"candidates":"x"})", R"({"candidates":[{"content":{"parts":[{"text":7}]}}]})",
        R"({"candidates":[{"finishReason":"STOP","content":{"parts":[{"functionCall":{"args":{}}}]}}]})",
        R"({"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":-1}})"}) {
    auto r = parse_gemini_response(bad);
    ASSERT_TRUE(std::holds_alternative<api_error>(r)) << bad;
    EXPECT_EQ(std::get<api_error>(r).status, 502u) << bad;
  }
  // a stream that breaks off: an error event, and nothing after it
  gemini_stream_decoder d;
  auto events = d.decode(R"({"candidates":[{"content":{"parts":[{"text":"a"}]}}]})");
  ASSERT_EQ(events.size(), 2u);
  events = d.decode("{not json");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, stream_event_kind::error);
  EXPECT_TRUE(d.decode(R"({"candidates":[{"finishReason":"STOP"}]})").empty());
  EXPECT_FALSE(d.done());
}
