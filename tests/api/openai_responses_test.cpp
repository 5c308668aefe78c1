// The OpenAI Responses codec (inbound /v1/responses): golden translations of requests into OpenAI
// chat requests and of chat answers and streams into Responses answers and events, and what the
// parser refuses (bad input: 400 naming the field; features without a canonical form: listed in
// chat_request::untranslated). Fixtures: tests/api/fixtures/responses_*.
#include <gtest/gtest.h>

#include "api/openai_chat.h"
#include "api/openai_responses.h"
#include "golden.h"

using namespace sy::api;

namespace {

using golden::ok;

responses_meta fixed_meta() {
  responses_meta m;
  m.id = "resp_sy";
  m.created_at = 1700000000;
  m.model = "test-model";
  return m;
}

// Each `data:` payload of an OpenAI stream fixture through the chat decoder and the Responses
// encoder, as the gateway does.
std::string stream_to_responses(std::string_view fixture) {
  openai_stream_decoder decoder;
  responses_stream_encoder encoder(fixed_meta());
  std::string out;
  bool failed = false;
  for (const auto& e : golden::parse_sse(golden::read_fixture(fixture)))
    for (const auto& ev : decoder.decode(e.data)) {
      failed = failed || ev.kind == stream_event_kind::error;
      out += encoder.encode(ev);
    }
  EXPECT_NE(decoder.done(), failed) << "a stream ends with [DONE] or with an error";
  out += encoder.end();  // after an error: nothing
  return out;
}

chat_request parsed(std::string_view body) {
  auto r = parse_responses_request(body);
  auto* req = ok(r);
  return req ? *req : chat_request{};
}

api_error refused(std::string_view body) {
  auto r = parse_responses_request(body);
  if (auto* e = std::get_if<api_error>(&r)) return *e;
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

// The untranslated features of a request the parser accepts.
std::vector<std::string> untranslated(std::string_view body) {
  return parsed(body).untranslated;
}

std::vector<golden::sse_event> events(std::string_view sse) {
  return golden::parse_sse(sse);
}

boost::json::object data_of(const golden::sse_event& e) {
  return boost::json::parse(e.data).as_object();
}

}  // namespace

// ---- golden files

TEST(responses_golden, request_becomes_an_openai_chat_request) {
  auto req = parsed(golden::read_fixture("responses_request.responses.json"));
  EXPECT_TRUE(req.untranslated.empty()) << (req.untranslated.empty() ? "" : req.untranslated.front());
  auto written = write_openai_request(req);
  auto* body = ok(written);
  ASSERT_TRUE(body);
  golden::expect_json_eq(*body, "responses_request.responses_to_openai.json");
}

TEST(responses_golden, answer_with_reasoning_text_and_tool_calls) {
  auto parsed_answer = parse_openai_response(golden::read_fixture("responses_answer.openai.json"));
  auto* answer = ok(parsed_answer);
  ASSERT_TRUE(answer);
  responses_meta meta;
  meta.model = "my-model";  // the name the client asked for; id and created from the upstream
  golden::expect_json_eq(write_responses_response(*answer, meta), "responses_answer.openai_to_responses.json");
}

TEST(responses_golden, answer_with_tool_calls_only) {
  auto parsed_answer = parse_openai_response(golden::read_fixture("response_tools.openai.json"));
  auto* answer = ok(parsed_answer);
  ASSERT_TRUE(answer);
  golden::expect_json_eq(write_responses_response(*answer, fixed_meta()), "responses_tools.openai_to_responses.json");
}

TEST(responses_golden, streams) {
  const std::pair<const char*, const char*> cases[] = {
      {"stream_tools.openai.sse", "responses_stream_tools.openai_to_responses.sse"},
      {"stream_parallel_tools.openai.sse", "responses_stream_parallel_tools.openai_to_responses.sse"},
      {"stream_reasoning.openai.sse", "responses_stream_reasoning.openai_to_responses.sse"},
      {"stream_error.openai.sse", "responses_stream_error.openai_to_responses.sse"},
  };
  for (const auto& [input, expected] : cases) {
    SCOPED_TRACE(input);
    golden::expect_sse_eq(stream_to_responses(input), expected);
  }
}

TEST(responses_golden, upstream_error_keeps_openai_format) {
  auto e = parse_openai_error(429, golden::read_fixture("error_rate_limit.openai.json"));
  EXPECT_EQ(e.status, 429u);
  golden::expect_json_eq(write_openai_error(e), "responses_error.openai_to_responses.json");
}

// ---- requests

TEST(responses_request, string_input_and_instructions) {
  auto req = parsed(R"({"model":"m","instructions":"Be brief.","input":"Hi"})");
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0].role, message_role::system);
  EXPECT_EQ(joined_text(req.messages[0].content), "Be brief.");
  EXPECT_EQ(req.messages[1].role, message_role::user);
  EXPECT_EQ(joined_text(req.messages[1].content), "Hi");
  EXPECT_FALSE(req.stream);
  EXPECT_TRUE(req.untranslated.empty());
}

TEST(responses_request, stream_asks_for_usage) {
  auto req = parsed(R"({"model":"m","input":"Hi","stream":true})");
  EXPECT_TRUE(req.stream);
  EXPECT_TRUE(req.stream_usage);
}

TEST(responses_request, echo_holds_what_the_answer_repeats) {
  responses_echo echo;
  auto r = parse_responses_request(
      R"({"model":"m","input":"x","instructions":"I","temperature":0.5,"tools":[{"type":"function","name":"f"}],
          "tool_choice":"required","metadata":{"k":"v"},"store":true,"max_output_tokens":9})",
      {}, &echo);
  ASSERT_TRUE(ok(r));
  for (const char* key : {"instructions", "temperature", "tools", "tool_choice", "metadata", "max_output_tokens"})
    EXPECT_TRUE(echo.contains(key)) << key;
  EXPECT_FALSE(echo.contains("store"));
  EXPECT_FALSE(echo.contains("input"));
  EXPECT_FALSE(echo.contains("model"));
}

TEST(responses_request, function_calls_join_the_assistant_turn_before_them) {
  auto req = parsed(R"({"model":"m","input":[
      {"role":"user","content":"x"},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Looking."}]},
      {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
      {"type":"function_call","call_id":"c2","name":"g","arguments":""},
      {"type":"function_call_output","call_id":"c1","output":"one"},
      {"type":"function_call_output","call_id":"c2","output":"two"}]})");
  ASSERT_EQ(req.messages.size(), 4u);
  const auto& a = req.messages[1];
  EXPECT_EQ(a.role, message_role::assistant);
  ASSERT_EQ(a.content.size(), 3u);
  EXPECT_EQ(a.content[1].call.id, "c1");
  EXPECT_EQ(a.content[2].call.name, "g");
  EXPECT_EQ(req.messages[2].role, message_role::tool);
  EXPECT_EQ(req.messages[3].content[0].result.tool_call_id, "c2");
}

TEST(responses_request, reasoning_effort_and_formats) {
  auto req =
      parsed(R"({"model":"m","input":"x","reasoning":{"effort":"none"},"text":{"format":{"type":"json_object"}}})");
  ASSERT_TRUE(req.reasoning);
  EXPECT_FALSE(req.reasoning->enabled);
  ASSERT_TRUE(req.format);
  EXPECT_EQ(req.format->kind, response_format_kind::json_object);
  req = parsed(R"({"model":"m","input":"x","tool_choice":{"type":"function","name":"f"}})");
  ASSERT_TRUE(req.choice);
  EXPECT_EQ(req.choice->kind, tool_choice_kind::tool);
  EXPECT_EQ(req.choice->name, "f");
}

TEST(responses_request, harmless_hints_are_dropped) {
  EXPECT_TRUE(untranslated(R"({"model":"m","input":"x","store":true,"metadata":{"a":"b"},"service_tier":"auto",
      "prompt_cache_key":"k","safety_identifier":"s","stream_options":{"include_obfuscation":false},
      "include":["reasoning.encrypted_content"],"background":false,"truncation":"disabled",
      "previous_response_id":null,"text":{"verbosity":"low"},"reasoning":{"summary":"auto"}})")
                  .empty());
}

TEST(responses_request, features_without_a_canonical_form_are_named) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"model":"m","input":"x","previous_response_id":"resp_1"})", "previous_response_id"},
      {R"({"model":"m","input":"x","conversation":"conv_1"})", "conversation"},
      {R"({"model":"m","input":"x","prompt":{"id":"pmpt_1"}})", "prompt"},
      {R"({"model":"m","input":"x","background":true})", "background"},
      {R"({"model":"m","input":"x","include":["file_search_call.results"]})", "include 'file_search_call.results'"},
      {R"({"model":"m","input":"x","truncation":"auto"})", "truncation 'auto'"},
      {R"({"model":"m","input":"x","top_logprobs":3})", "top_logprobs"},
      {R"({"model":"m","input":"x","tools":[{"type":"web_search"}]})", "tools of type 'web_search'"},
      {R"({"model":"m","input":"x","tools":[{"type":"file_search","vector_store_ids":["v"]}]})",
       "tools of type 'file_search'"},
      {R"({"model":"m","input":"x","tools":[{"type":"code_interpreter","container":{"type":"auto"}}]})",
       "tools of type 'code_interpreter'"},
      {R"({"model":"m","input":"x","tool_choice":{"type":"web_search_preview"}})",
       "tool_choice of type 'web_search_preview'"},
      {R"({"model":"m","input":[{"type":"item_reference","id":"msg_1"}]})", "item_reference input items"},
      {R"({"model":"m","input":[{"type":"computer_call_output","call_id":"c"}]})",
       "input items of type 'computer_call_output'"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"file_1"}]}]})",
       "input_file content"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"file_1"}]}]})",
       "input_image file_id"},
      {R"({"model":"m","input":"x","frobnicate":1})", "parameter 'frobnicate'"},
  };
  for (const auto& [body, feature] : cases) {
    auto got = untranslated(body);
    ASSERT_EQ(got.size(), 1u) << body;
    EXPECT_EQ(got[0], feature) << body;
  }
}

TEST(responses_request, bad_input_is_a_400_naming_the_field) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(not json)", ""},
      {R"([1,2])", ""},
      {R"({"input":"x"})", "model"},
      {R"({"model":7,"input":"x"})", "model"},
      {R"({"model":"","input":"x"})", "model"},
      {R"({"model":"m"})", "input"},
      {R"({"model":"m","input":42})", "input"},
      {R"({"model":"m","input":[]})", "input"},
      {R"({"model":"m","input":["hi"]})", "input[0]"},
      {R"({"model":"m","input":[{"content":"x"}]})", "input[0].role"},
      {R"({"model":"m","input":[{"role":"tool","content":"x"}]})", "input[0].role"},
      {R"({"model":"m","input":[{"role":"user"}]})", "input[0].content"},
      {R"({"model":"m","input":[{"role":"user","content":5}]})", "input[0].content"},
      {R"({"model":"m","input":[{"role":"user","content":[{"text":"x"}]}]})", "input[0].content[0].type"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_text"}]}]})", "input[0].content[0].text"},
      {R"({"model":"m","input":[{"role":"system","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]})",
       "input[0].content[0]"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"ftp://x"}]}]})",
       "input[0].content[0].image_url"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:image/png,abc"}]}]})",
       "input[0].content[0].image_url"},
      {R"({"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]})", "input[0].call_id"},
      {R"({"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":"[1]"}]})",
       "input[0].arguments"},
      {R"({"model":"m","input":[{"type":"function_call_output","call_id":"c"}]})", "input[0].output"},
      {R"({"model":"m","input":[{"type":"function_call_output","call_id":"c","output":7}]})", "input[0].output"},
      {R"({"model":"m","input":"x","tools":{"type":"function"}})", "tools"},
      {R"({"model":"m","input":"x","tools":[{"type":"function"}]})", "tools[0].name"},
      {R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","parameters":"{}"}]})",
       "tools[0].parameters"},
      {R"({"model":"m","input":"x","tool_choice":"sometimes"})", "tool_choice"},
      {R"({"model":"m","input":"x","tool_choice":{"type":"function"}})", "tool_choice.name"},
      {R"({"model":"m","input":"x","text":{"format":{"type":"xml"}}})", "text.format.type"},
      {R"({"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"n"}}})", "text.format.schema"},
      {R"({"model":"m","input":"x","reasoning":{"effort":"max"}})", "reasoning.effort"},
      {R"({"model":"m","input":"x","max_output_tokens":0})", "max_output_tokens"},
      {R"({"model":"m","input":"x","max_output_tokens":"12"})", "max_output_tokens"},
      {R"({"model":"m","input":"x","temperature":"hot"})", "temperature"},
      {R"({"model":"m","input":"x","stream":"yes"})", "stream"},
      {R"({"model":"m","input":"x","metadata":[1]})", "metadata"},
      {R"({"model":"m","input":"x","include":"all"})", "include"},
  };
  for (const auto& [body, param] : cases) {
    auto e = refused(body);
    EXPECT_EQ(e.status, 400u) << body;
    EXPECT_EQ(e.param, param) << body << " -> " << e.message;
    EXPECT_FALSE(e.message.empty());
  }
}

TEST(responses_request, limits_hold) {
  parse_limits lim;
  lim.max_messages = 2;
  auto r = parse_responses_request(R"({"model":"m","input":[{"role":"user","content":"a"},
      {"role":"user","content":"b"},{"role":"user","content":"c"}]})",
                                   lim);
  EXPECT_TRUE(std::holds_alternative<api_error>(r));
  lim = {};
  lim.max_tools = 1;
  r = parse_responses_request(
      R"({"model":"m","input":"x","tools":[{"type":"function","name":"a"},{"type":"function","name":"b"}]})", lim);
  EXPECT_TRUE(std::holds_alternative<api_error>(r));
  lim = {};
  lim.max_string_bytes = 4;
  r = parse_responses_request(R"({"model":"m","input":"too long"})", lim);
  EXPECT_TRUE(std::holds_alternative<api_error>(r));
  lim = {};
  lim.max_json_depth = 8;
  r = parse_responses_request(R"({"model":"m","input":"x","metadata":{"a":[[[[[[[[[1]]]]]]]]]}})", lim);
  EXPECT_TRUE(std::holds_alternative<api_error>(r));
}

// ---- answers

TEST(responses_answer, length_makes_it_incomplete) {
  chat_response r;
  r.id = "chatcmpl-9";
  r.created = 5;
  r.model = "up";
  r.content.push_back(content_part::make_text("Once upon"));
  r.finish.reason = finish_reason::length;
  responses_meta meta;
  meta.echo["max_output_tokens"] = 3;
  auto o = boost::json::parse(write_responses_response(r, meta)).as_object();
  EXPECT_EQ(o["id"], "resp_chatcmpl-9");
  EXPECT_EQ(o["status"], "incomplete");
  EXPECT_EQ(o["incomplete_details"].as_object()["reason"], "max_output_tokens");
  EXPECT_EQ(o["max_output_tokens"], 3);
  EXPECT_EQ(o["model"], "up");
  EXPECT_TRUE(o["usage"].is_null());
  auto& item = o["output"].as_array()[0].as_object();
  EXPECT_EQ(item["id"], "msg_chatcmpl-9_0");
  EXPECT_EQ(item["status"], "incomplete");
  EXPECT_EQ(item["content"].as_array()[0].as_object()["text"], "Once upon");
}

TEST(responses_answer, ids) {
  EXPECT_EQ(responses_id("chatcmpl-abc", "x"), "resp_chatcmpl-abc");
  EXPECT_EQ(responses_id("a b/c", "x"), "resp_abc");
  EXPECT_EQ(responses_id("", "f00d"), "resp_f00d");
  EXPECT_EQ(responses_id("!!", "f00d"), "resp_f00d");
}

// ---- streams

TEST(responses_stream, sequence_numbers_count_from_zero) {
  auto sse = stream_to_responses("stream_tools.openai.sse");
  auto list = events(sse);
  ASSERT_FALSE(list.empty());
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto d = data_of(list[i]);
    EXPECT_EQ(d["sequence_number"], static_cast<std::int64_t>(i));
    EXPECT_EQ(d["type"].as_string(), list[i].event);
  }
  EXPECT_EQ(list.front().event, "response.created");
  EXPECT_EQ(list.back().event, "response.completed");
}

TEST(responses_stream, an_empty_stream_still_completes) {
  responses_stream_encoder enc(fixed_meta());
  auto list = events(enc.end());
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].event, "response.created");
  EXPECT_EQ(list[1].event, "response.in_progress");
  EXPECT_EQ(list[2].event, "response.completed");
  EXPECT_TRUE(data_of(list[2])["response"].as_object()["output"].as_array().empty());
  EXPECT_EQ(enc.end(), "");
}

TEST(responses_stream, length_ends_incomplete) {
  responses_stream_encoder enc(fixed_meta());
  std::string sse = enc.encode(stream_event::make_text("Once"));
  finish_info f;
  f.reason = finish_reason::length;
  sse += enc.encode(stream_event::make_finish(f));
  sse += enc.end();
  auto list = events(sse);
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list.back().event, "response.incomplete");
  auto r = data_of(list.back())["response"].as_object();
  EXPECT_EQ(r["status"], "incomplete");
  EXPECT_EQ(r["incomplete_details"].as_object()["reason"], "max_output_tokens");
}

TEST(responses_stream, an_error_ends_the_stream_with_error_and_failed) {
  responses_stream_encoder enc(fixed_meta());
  std::string sse = enc.encode(stream_event::make_text("Part"));
  sse += enc.encode(stream_event::make_error(api_error{429, "slow down", {}, {}}));
  EXPECT_EQ(enc.end(), "");
  EXPECT_EQ(enc.encode(stream_event::make_text("more")), "");
  auto list = events(sse);
  ASSERT_GE(list.size(), 2u);
  EXPECT_EQ(list[list.size() - 2].event, "error");
  EXPECT_EQ(data_of(list[list.size() - 2])["code"], "rate_limit_exceeded");
  EXPECT_EQ(list.back().event, "response.failed");
  auto r = data_of(list.back())["response"].as_object();
  EXPECT_EQ(r["status"], "failed");
  EXPECT_EQ(r["error"].as_object()["message"], "slow down");
  EXPECT_EQ(r["output"].as_array().size(), 1u);  // what was produced, still in progress
}
