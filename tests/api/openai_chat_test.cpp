// OpenAI Chat Completions: what the parser refuses and records, limits, and the stream
// decoder/encoder details the golden files do not pin down (tests/api/translation_golden_test.cpp).
#include "api/openai_chat.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/anthropic_messages.h"
#include "core/error_types.h"

using namespace sy::api;

namespace {

api_error request_error(std::string_view body, const parse_limits& limits = {}) {
  auto r = parse_openai_request(body, limits);
  if (auto* e = std::get_if<api_error>(&r)) return *e;
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

chat_request request(std::string_view body) {
  auto r = parse_openai_request(body);
  if (auto* e = std::get_if<api_error>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<chat_request>(std::move(r));
}

std::string wrap_message(std::string_view message) {
  return R"({"model":"m","messages":[)" + std::string(message) + "]}";
}

}  // namespace

TEST(openai_chat, refuses_bad_json_with_a_400) {
  auto e = request_error("{\"model\": ");
  EXPECT_EQ(e.status, 400u);
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_NE(e.message.find("not valid JSON"), std::string::npos) << e.message;
  EXPECT_NE(request_error("[1,2]").message.find("must be a JSON object"), std::string::npos);
  EXPECT_NE(request_error("").message.find("not valid JSON"), std::string::npos);
}

TEST(openai_chat, refuses_wrong_types_naming_the_field) {
  struct bad {
    std::string body;
    std::string message;
  };
  const bad cases[] = {
      {R"({"model":1,"messages":[{"role":"user","content":"x"}]})", "model: expected a string"},
      {R"({"messages":[{"role":"user","content":"x"}]})", "model: missing"},
      {R"({"model":"m","messages":{}})", "messages: expected an array"},
      {R"({"model":"m","messages":[]})", "messages: must not be empty"},
      {wrap_message(R"({"role":"wizard","content":"x"})"), "messages[0].role: unknown role 'wizard'"},
      {wrap_message(R"({"role":"user"})"), "messages[0].content: missing"},
      {wrap_message(R"({"role":"user","content":7})"), "messages[0].content: expected a string or an array"},
      {wrap_message(R"({"role":"user","content":[{"type":"image_url","image_url":{"url":42}}]})"),
       "messages[0].content[0].image_url.url: expected a string"},
      {wrap_message(R"({"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]})"),
       "messages[0].content[0].image_url.url: expected an http(s) URL or a base64 data: URL"},
      {wrap_message(R"({"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]})"),
       "must be base64"},
      {wrap_message(R"({"role":"system","content":[{"type":"image_url","image_url":{"url":"https://a/b.png"}}]})"),
       "image parts are only allowed in user messages"},
      {wrap_message(R"({"role":"tool","content":"x"})"), "messages[0].tool_call_id: missing"},
      {wrap_message(
           R"({"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"not json"}}]})"),
       "messages[0].tool_calls[0].function.arguments: expected the text of a JSON object"},
      {wrap_message(R"({"role":"assistant","tool_calls":[{"id":"c","type":"function"}]})"),
       "messages[0].tool_calls[0].function: missing"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       "temperature: expected a number"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens: out of range"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1.5})",
       "max_tokens: expected an integer"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})", "stream: expected true or false"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]})", "stop[0]: expected a string"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})",
       "tools[0].function: missing"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":"{}"}}]})",
       "tools[0].function.parameters: expected an object"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"})", "tool_choice:"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}})",
       "response_format.type: unknown type 'xml'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto e = request_error(c.body);
    EXPECT_EQ(e.status, 400u);
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.message;
  }
  EXPECT_EQ(request_error(wrap_message(R"({"role":"user","content":[{"type":"text"}]})")).param,
            "messages[0].content[0].text");
}

TEST(openai_chat, records_features_it_cannot_translate) {
  auto req = request(R"({"model":"m","n":2,"logprobs":true,"top_logprobs":3,"logit_bias":{"50256":-100},
    "modalities":["text","audio"],"audio":{"voice":"alloy","format":"wav"},"web_search_options":{},
    "functions":[{"name":"f"}],"messages":[{"role":"user","content":[
      {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}},
      {"type":"file","file":{"file_id":"file-1"}},{"type":"text","text":"hi"}]}]})");
  const std::vector<std::string> expected = {
      "n",          "logprobs", "input_audio content", "file content",
      "logit_bias", "audio",    "web_search_options",  "functions (legacy function calling)"};
  for (const auto& f : expected)
    EXPECT_NE(std::find(req.untranslated.begin(), req.untranslated.end(), f), req.untranslated.end()) << f;
  ASSERT_EQ(req.messages.size(), 1u);
  ASSERT_EQ(req.messages[0].content.size(), 1u);  // the text part stays
  auto e = refuse_untranslated(req);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("logprobs"), std::string::npos);
  // n == 1 and logprobs false are fine
  EXPECT_TRUE(request(wrap_message(R"({"role":"user","content":"x"})").insert(1, R"("n":1,"logprobs":false,)"))
                  .untranslated.empty());
}

TEST(openai_chat, keeps_unknown_fields_for_the_same_wire_only) {
  auto req = request(R"({"model":"m","messages":[{"role":"user","content":"x"}],"store":true,
    "metadata":{"k":"v"},"service_tier":"flex","vendor_knob":{"a":[1,2]}})");
  EXPECT_TRUE(req.untranslated.empty());
  EXPECT_EQ(req.extra.size(), 4u);
  auto openai = boost::json::parse(std::get<std::string>(write_openai_request(req))).as_object();
  EXPECT_EQ(openai.at("vendor_knob"), boost::json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(openai.at("store"), true);
  auto anthropic = boost::json::parse(std::get<std::string>(write_anthropic_request(req))).as_object();
  EXPECT_FALSE(anthropic.contains("vendor_knob"));
  EXPECT_FALSE(anthropic.contains("store"));
}

TEST(openai_chat, image_detail_names_and_empty_content_survive) {
  auto req = request(R"({"model":"m","messages":[{"role":"user","name":"ann","content":[
    {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}}]},
    {"role":"assistant","content":""}]})");
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0].name, "ann");
  EXPECT_EQ(req.messages[0].content[0].image.detail, "high");
  auto out = boost::json::parse(std::get<std::string>(write_openai_request(req)));
  EXPECT_EQ(out.at("messages").at(0).at("content").at(0).at("image_url").at("detail"), "high");
  EXPECT_EQ(out.at("messages").at(0).at("name"), "ann");
  EXPECT_EQ(out.at("messages").at(1).at("content"), "");
}

TEST(openai_chat, refuses_images_in_tool_results_for_an_openai_target) {
  chat_request req;
  chat_message m;
  m.role = message_role::tool;
  tool_result r;
  r.tool_call_id = "t1";
  r.content.push_back(content_part::make_image({image_source::url, "https://a/b.png", {}, {}, {}}));
  m.content.push_back(content_part::make_tool_result(std::move(r)));
  req.messages.push_back(std::move(m));
  auto out = write_openai_request(req);
  auto* e = std::get_if<api_error>(&out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400u);
  EXPECT_EQ(e->param, "tool_result image");
}

TEST(openai_chat, limits_are_enforced) {
  parse_limits small;
  small.max_messages = 2;
  EXPECT_NE(request_error(R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},
    {"role":"user","content":"c"}]})",
                          small)
                .message.find("messages: too many items (at most 2)"),
            std::string::npos);
  small = {};
  small.max_string_bytes = 8;
  EXPECT_NE(request_error(wrap_message(R"({"role":"user","content":"0123456789"})"), small).message.find("too long"),
            std::string::npos);
  small = {};
  small.max_json_depth = 8;
  EXPECT_NE(request_error(wrap_message(R"({"role":"user","content":"x","deep":[[[[[[[[[[1]]]]]]]]]]})"), small)
                .message.find("not valid JSON"),
            std::string::npos);
  small = {};
  small.max_tools = 1;
  EXPECT_NE(request_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}]})",
                          small)
                .message.find("tools: too many items"),
            std::string::npos);
  EXPECT_NE(request_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1e300})")
                .message.find("out of range"),
            std::string::npos);
}

TEST(openai_chat, bad_upstream_replies_are_502) {
  auto status = [](std::string_view body) {
    auto r = parse_openai_response(body);
    auto* e = std::get_if<api_error>(&r);
    return e ? e->status : 0u;
  };
  EXPECT_EQ(status("<html>"), 502u);
  EXPECT_EQ(status(R"({"choices":[]})"), 502u);
  EXPECT_EQ(status(R"({"choices":[{"index":0}]})"), 502u);
  EXPECT_EQ(status(R"({"choices":[{"message":{"content":42}}]})"), 502u);
  EXPECT_EQ(
      status(R"({"choices":[{"message":{"tool_calls":[{"id":"c","function":{"name":"f","arguments":"{oops"}}]}}]})"),
      502u);
  EXPECT_EQ(status(R"({"choices":[{"message":{"content":"ok"},"finish_reason":null}],"usage":{"prompt_tokens":-3}})"),
            0u);  // odd usage is skipped, not fatal
}

TEST(openai_chat, finish_reasons_map_both_ways) {
  EXPECT_EQ(openai_finish("stop").reason, finish_reason::stop);
  EXPECT_EQ(openai_finish("length").reason, finish_reason::length);
  EXPECT_EQ(openai_finish("tool_calls").reason, finish_reason::tool_calls);
  EXPECT_EQ(openai_finish("function_call").reason, finish_reason::tool_calls);
  EXPECT_EQ(openai_finish("content_filter").reason, finish_reason::content_filter);
  EXPECT_EQ(openai_finish("eos").raw, "eos");
  EXPECT_EQ(openai_finish_reason(anthropic_finish("refusal")), "content_filter");
  EXPECT_EQ(openai_finish_reason(anthropic_finish("pause_turn")), "stop");
  EXPECT_EQ(openai_finish_reason(anthropic_finish("max_tokens")), "length");
  EXPECT_EQ(openai_finish_reason(finish_info{}), "stop");
}

TEST(openai_chat, stream_decoder_numbers_tool_calls_by_appearance_and_reads_only_choice_zero) {
  openai_stream_decoder d;
  auto ev = d.decode(R"({"id":"x","model":"m","choices":[
    {"index":1,"delta":{"content":"other choice"}},
    {"index":0,"delta":{"tool_calls":[{"index":3,"id":"c3","function":{"name":"f","arguments":"{}"}}]}}]})");
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, stream_event_kind::start);
  EXPECT_EQ(ev[0].id, "x");
  EXPECT_EQ(ev[1].kind, stream_event_kind::tool_call_start);
  EXPECT_EQ(ev[1].index, 0u);
  EXPECT_EQ(ev[2].kind, stream_event_kind::tool_call_arguments);
  EXPECT_TRUE(d.decode(": keep-alive comment is not a payload").front().kind == stream_event_kind::error);
  EXPECT_TRUE(d.decode("  [DONE]\r\n").empty());
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(d.decode(R"({"choices":[]})").empty());  // nothing after [DONE]
}

TEST(openai_chat, stream_decoder_turns_garbage_and_error_payloads_into_error_events) {
  openai_stream_decoder d;
  auto ev = d.decode("{bad");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, stream_event_kind::error);
  EXPECT_EQ(ev[0].error.status, 502u);
  ev = openai_stream_decoder().decode(R"({"error":{"message":"slow down","type":"rate_limit_error","code":429}})");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].error.status, 429u);
  EXPECT_EQ(ev[0].error.message, "slow down");
  ev = openai_stream_decoder().decode(R"({"choices":[{"index":0,"delta":{"content":5}}]})");
  EXPECT_EQ(ev.back().kind, stream_event_kind::error);
}

TEST(openai_chat, stream_encoder_sends_usage_only_when_asked_and_no_done_after_an_error) {
  openai_stream_encoder quiet("id", 1, "m", false);
  std::string out = quiet.encode(stream_event::make_text("hi"));
  out += quiet.encode(stream_event::make_usage({5, 2, {}, {}, {}}));
  out += quiet.end();
  EXPECT_EQ(out.find("usage"), std::string::npos);
  EXPECT_NE(out.find(R"("finish_reason":"stop")"), std::string::npos);  // a finish chunk even if none came
  EXPECT_TRUE(out.ends_with("data: [DONE]\n\n"));
  EXPECT_EQ(quiet.end(), "");

  openai_stream_encoder failing("id", 1, "m", true);
  out = failing.encode(stream_event::make_text("hi"));
  out += failing.encode(stream_event::make_error({503, "no healthy target", {}, {}}));
  out += failing.encode(stream_event::make_text("late"));
  out += failing.end();
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
  EXPECT_EQ(out.find("late"), std::string::npos);
  EXPECT_NE(out.find(R"("type":"overloaded_error")"), std::string::npos) << out;
}

TEST(openai_chat, error_bodies) {
  auto body = boost::json::parse(write_openai_error({400, "bad thing", "weird_type", "messages"}));
  EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(body.at("error").at("param"), "messages");
  EXPECT_TRUE(body.at("error").at("code").is_null());
  EXPECT_EQ(sy::error_type_for_status(404), "not_found_error");
  EXPECT_EQ(sy::error_type_for_status(502), "upstream_error");
  EXPECT_EQ(parse_openai_error(502, "<html>bad gateway</html>").message, "upstream returned HTTP 502");
  EXPECT_EQ(parse_openai_error(404, R"({"detail":"Not Found"})").message, "Not Found");
  EXPECT_EQ(parse_openai_error(500, R"({"error":"model failed to load"})").message, "model failed to load");
}

// Signed reasoning rides in the canonical request: an Anthropic client's thinking blocks reach an
// Anthropic target, an OpenAI-compatible upstream never sees them, and an OpenAI client that sends
// back the `reasoning_details` it was given (OpenRouter's convention) keeps them too.
TEST(openai_request, signed_reasoning_survives_translation_and_never_reaches_an_openai_upstream) {
  auto parsed = parse_anthropic_request(R"({"model":"m","max_tokens":100,"messages":[
    {"role":"user","content":"hi"},
    {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig-1"},
      {"type":"redacted_thinking","data":"opaque"},{"type":"text","text":"hello"}]},
    {"role":"user","content":"again"}]})");
  ASSERT_TRUE(std::holds_alternative<chat_request>(parsed));
  auto plain = std::get<std::string>(write_openai_request(std::get<chat_request>(parsed)));
  EXPECT_EQ(plain.find("reasoning_details"), std::string::npos);
  auto direct = std::get<std::string>(write_anthropic_request(std::get<chat_request>(parsed)));
  EXPECT_NE(direct.find(R"({"type":"thinking","thinking":"hmm","signature":"sig-1"})"), std::string::npos);
  auto back = parse_openai_request(R"({"model":"m","messages":[{"role":"user","content":"hi"},
    {"role":"assistant","content":"hello","reasoning_content":"hmm","reasoning_details":[
      {"type":"reasoning.text","text":"hmm","signature":"sig-1"},{"type":"reasoning.encrypted","data":"opaque"}]},
    {"role":"user","content":"again"}]})");
  ASSERT_TRUE(std::holds_alternative<chat_request>(back));
  const auto& parts = std::get<chat_request>(back).messages[1].content;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].reasoning.text, "hmm");
  EXPECT_EQ(parts[0].reasoning.signature, "sig-1");
  EXPECT_EQ(parts[1].reasoning.redacted_data, "opaque");
  auto anthropic = std::get<std::string>(write_anthropic_request(std::get<chat_request>(back)));
  EXPECT_NE(anthropic.find(R"({"type":"thinking","thinking":"hmm","signature":"sig-1"})"), std::string::npos);
  EXPECT_NE(anthropic.find(R"({"type":"redacted_thinking","data":"opaque"})"), std::string::npos);
  // bad details are refused like any other field
  EXPECT_TRUE(std::holds_alternative<api_error>(parse_openai_request(
      R"({"model":"m","messages":[{"role":"assistant","content":"x","reasoning_details":[{"type":7}]}]})")));
}
