// Anthropic Messages: what the parser refuses and records, the writer's choices, error mapping,
// and the stream encoder's block state machine (golden files: translation_golden_test.cpp).
#include "api/anthropic_messages.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "api/openai_chat.h"
#include "golden.h"

using namespace sy::api;

namespace {

api_error request_error(std::string_view body) {
  auto r = parse_anthropic_request(body);
  if (auto* e = std::get_if<api_error>(&r)) return *e;
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

chat_request request(std::string_view body) {
  auto r = parse_anthropic_request(body);
  if (auto* e = std::get_if<api_error>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<chat_request>(std::move(r));
}

std::string with_messages(std::string_view messages, std::string_view more = {}) {
  return R"({"model":"m","max_tokens":100,"messages":)" + std::string(messages) + std::string(more) + "}";
}

boost::json::object anthropic_body(const chat_request& req, const anthropic_write_options& opts = {}) {
  auto out = write_anthropic_request(req, opts);
  if (auto* e = std::get_if<api_error>(&out)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return boost::json::parse(std::get<std::string>(out)).as_object();
}

chat_request openai_request(std::string_view body) {
  auto r = parse_openai_request(body);
  EXPECT_TRUE(std::holds_alternative<chat_request>(r));
  return std::holds_alternative<chat_request>(r) ? std::get<chat_request>(std::move(r)) : chat_request{};
}

std::vector<std::string> event_names(std::string_view sse) {
  std::vector<std::string> names;
  for (const auto& e : golden::parse_sse(sse)) {
    auto name = e.event;
    auto data = boost::json::parse(e.data).as_object();
    if (auto* i = data.if_contains("index")) name += ":" + std::to_string(i->to_number<int>());
    if (auto* d = data.if_contains("delta"); d && d->as_object().contains("type"))
      name += ":" + std::string(d->at("type").as_string());
    if (auto* b = data.if_contains("content_block")) name += ":" + std::string(b->at("type").as_string());
    names.push_back(name);
  }
  return names;
}

}  // namespace

TEST(anthropic_messages, refuses_bad_input_naming_the_field) {
  struct bad {
    std::string body;
    std::string message;
  };
  const bad cases[] = {
      {"not json", "not valid JSON"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}]})", "max_tokens: missing"},
      {R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})", "max_tokens: out of range"},
      {with_messages("[]"), "messages: must not be empty"},
      {with_messages(R"([{"role":"system","content":"x"}])"), R"(messages[0].role: expected "user" or "assistant")"},
      {with_messages(R"([{"role":"user","content":5}])"), "messages[0].content: expected a string or an array"},
      {with_messages(R"([{"role":"user","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}])"),
       "messages[0].content[0]: tool_use blocks are not allowed in user messages"},
      {with_messages(
           R"([{"role":"assistant","content":[{"type":"image","source":{"type":"url","url":"https://a"}}]}])"),
       "image blocks are not allowed in assistant messages"},
      {with_messages(R"([{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"AAA"}}]}])"),
       "messages[0].content[0].source.media_type: missing"},
      {with_messages(R"([{"role":"user","content":[{"type":"image","source":{"type":"url","url":"ftp://x/y"}}]}])"),
       "messages[0].content[0].source.url: expected an http(s) URL"},
      {with_messages(R"([{"role":"user","content":[{"type":"tool_result"}]}])"),
       "messages[0].content[0].tool_use_id: missing"},
      {with_messages(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":"{}"}]}])"),
       "messages[0].content[0].input: expected an object"},
      {with_messages(R"([{"role":"user","content":"x"}])", R"(,"system":5)"), "system: expected a string or an array"},
      {with_messages(R"([{"role":"user","content":"x"}])", R"(,"system":[{"type":"image"}])"),
       R"(system[0].type: expected "text")"},
      {with_messages(R"([{"role":"user","content":"x"}])", R"(,"tool_choice":{"type":"sometimes"})"),
       "tool_choice.type"},
      {with_messages(R"([{"role":"user","content":"x"}])", R"(,"tools":[{"name":"f"}])"),
       "tools[0].input_schema: missing"},
      {with_messages(R"([{"role":"user","content":"x"}])", R"(,"thinking":{"type":"enabled"})"),
       "thinking.budget_tokens: missing"},
      {with_messages(R"([{"role":"user","content":"x"}])", R"(,"metadata":{"user_id":7})"),
       "metadata.user_id: expected a string"},
      {with_messages(R"([{"role":"user","content":"x"}])", R"(,"top_k":-1)"), "top_k: out of range"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto e = request_error(c.body);
    EXPECT_EQ(e.status, 400u);
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.message;
  }
}

TEST(anthropic_messages, records_features_it_cannot_translate) {
  auto req = request(with_messages(R"([{"role":"user","content":[
      {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBER"}},
      {"type":"image","source":{"type":"file","file_id":"file_1"}},
      {"type":"text","text":"summarize"}]}])",
                                   R"(,"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}],
      "mcp_servers":[{"type":"url","url":"https://mcp.example.com","name":"x"}],"container":"c1",
      "thinking":{"type":"adaptive"},"service_tier":"auto")"));
  const std::vector<std::string> expected = {
      "document content",         "image source 'file'", "tools of type 'web_search_20250305'",
      "thinking type 'adaptive'", "mcp_servers",         "container"};
  for (const auto& f : expected)
    EXPECT_NE(std::find(req.untranslated.begin(), req.untranslated.end(), f), req.untranslated.end()) << f;
  EXPECT_TRUE(req.tools.empty());
  EXPECT_TRUE(req.extra.contains("service_tier"));  // harmless: kept for an Anthropic target
  auto e = refuse_untranslated(req);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("document content"), std::string::npos);
}

TEST(anthropic_messages, refuses_json_output_for_an_anthropic_target) {
  auto req = openai_request(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"},"strict":true}}})");
  auto out = write_anthropic_request(req);
  auto* e = std::get_if<api_error>(&out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400u);
  EXPECT_EQ(e->param, "response_format");
  // the schema itself survives for an OpenAI target
  auto back = boost::json::parse(std::get<std::string>(write_openai_request(req)));
  EXPECT_EQ(back.at("response_format").at("json_schema").at("schema"), boost::json::parse(R"({"type":"object"})"));
  EXPECT_EQ(back.at("response_format").at("json_schema").at("strict"), true);
}

TEST(anthropic_messages, max_tokens_defaults_and_the_thinking_budget_stays_below_it) {
  auto req = openai_request(R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(anthropic_body(req).at("max_tokens"), 4096);
  EXPECT_EQ(anthropic_body(req, {1000}).at("max_tokens"), 1000);

  req = openai_request(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":2000,"reasoning_effort":"high"})");
  EXPECT_EQ(anthropic_body(req).at("thinking").at("budget_tokens"), 1999);
  req = openai_request(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1000,"reasoning_effort":"high"})");
  EXPECT_FALSE(anthropic_body(req).contains("thinking"));  // under Anthropic's 1024 minimum
  req = openai_request(R"({"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"none"})");
  EXPECT_EQ(anthropic_body(req).at("thinking").at("type"), "disabled");
}

TEST(anthropic_messages, writer_drops_what_anthropic_refuses) {
  // unsigned reasoning (from an OpenAI-compatible history), seed, penalties, top_k <= 0,
  // tool_choice without tools
  auto req = openai_request(R"({"model":"m","seed":1,"frequency_penalty":1,"top_k":-1,"tool_choice":"required",
    "messages":[{"role":"user","content":"q"},{"role":"assistant","reasoning_content":"hmm","content":"a"},
    {"role":"assistant","reasoning_content":"only thoughts"},{"role":"user","content":"q2"}]})");
  auto body = anthropic_body(req);
  EXPECT_FALSE(body.contains("seed"));
  EXPECT_FALSE(body.contains("frequency_penalty"));
  EXPECT_FALSE(body.contains("top_k"));
  EXPECT_FALSE(body.contains("tool_choice"));
  const auto& msgs = body.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);  // the thoughts-only turn is gone
  EXPECT_EQ(msgs[1].at("content"), "a");
}

TEST(anthropic_messages, parallel_tool_calls_false_disables_parallel_tool_use) {
  auto req = openai_request(R"({"model":"m","messages":[{"role":"user","content":"x"}],"parallel_tool_calls":false,
    "tools":[{"type":"function","function":{"name":"f"}}]})");
  auto body = anthropic_body(req);
  EXPECT_EQ(body.at("tool_choice"), boost::json::parse(R"({"type":"auto","disable_parallel_tool_use":true})"));
  EXPECT_EQ(body.at("tools").at(0).at("input_schema"), boost::json::parse(R"({"type":"object","properties":{}})"));
}

TEST(anthropic_messages, stop_reasons_map_both_ways) {
  EXPECT_EQ(anthropic_finish("end_turn").reason, finish_reason::stop);
  EXPECT_EQ(anthropic_finish("stop_sequence", "###").stop_sequence, "###");
  EXPECT_EQ(anthropic_finish("max_tokens").reason, finish_reason::length);
  EXPECT_EQ(anthropic_finish("tool_use").reason, finish_reason::tool_calls);
  EXPECT_EQ(anthropic_finish("pause_turn").reason, finish_reason::stop);
  EXPECT_EQ(anthropic_finish("refusal").reason, finish_reason::content_filter);
  for (auto word : {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"})
    EXPECT_EQ(anthropic_stop_reason(anthropic_finish(word)), word);
  EXPECT_EQ(anthropic_stop_reason(openai_finish("stop")), "end_turn");
  EXPECT_EQ(anthropic_stop_reason(openai_finish("length")), "max_tokens");
  EXPECT_EQ(anthropic_stop_reason(openai_finish("tool_calls")), "tool_use");
  EXPECT_EQ(anthropic_stop_reason(openai_finish("content_filter")), "refusal");
  EXPECT_EQ(anthropic_stop_reason(finish_info{finish_reason::stop, "stop", "END"}), "stop_sequence");
}

TEST(anthropic_messages, error_status_and_type_mapping) {
  const std::pair<unsigned, const char*> table[] = {{400, "invalid_request_error"},
                                                    {401, "authentication_error"},
                                                    {403, "permission_error"},
                                                    {404, "not_found_error"},
                                                    {413, "request_too_large"},
                                                    {429, "rate_limit_error"},
                                                    {500, "api_error"},
                                                    {529, "overloaded_error"}};
  for (auto [status, type] : table) {
    EXPECT_EQ(anthropic_error_type(status), type);
    EXPECT_EQ(anthropic_error_status(type), status);
  }
  EXPECT_EQ(anthropic_error_type(503), "overloaded_error");
  EXPECT_EQ(anthropic_error_type(422), "invalid_request_error");
  EXPECT_EQ(anthropic_error_type(502), "api_error");
  EXPECT_EQ(anthropic_error_type(504), "api_error");  // the general table says upstream_error: not Anthropic's
  EXPECT_EQ(anthropic_error_type(408), "timeout_error");
  EXPECT_EQ(anthropic_error_status("something_new"), 500u);
  auto type_of = [](const api_error& e) {
    return std::string(boost::json::parse(write_anthropic_error(e)).at("error").at("type").as_string());
  };
  EXPECT_EQ(type_of({401, "bad key", "invalid_request_error", {}}), "authentication_error");  // status decides
  EXPECT_EQ(type_of({529, "busy", "overloaded_error", {}}), "overloaded_error");
  EXPECT_EQ(type_of({500, "x", "server_error", {}}), "api_error");
  EXPECT_EQ(type_of({400, "x", "billing_error", {}}), "invalid_request_error");
}

TEST(anthropic_messages, stream_encoder_opens_and_closes_blocks_as_content_interleaves) {
  anthropic_stream_encoder enc("msg_sy", "m");
  std::string out;
  out += enc.encode(stream_event::make_text("a"));
  out += enc.encode(stream_event::make_reasoning("r1"));
  out += enc.encode(stream_event::make_signature("sig1"));
  out += enc.encode(stream_event::make_reasoning("r2"));  // after a signature: a new thinking block
  stream_event redacted;
  redacted.kind = stream_event_kind::redacted_reasoning;
  redacted.text = "opaque";
  out += enc.encode(redacted);
  out += enc.encode(stream_event::make_signature("sig-only"));  // omitted thinking: signature alone
  out += enc.encode(stream_event::make_tool_call_start(0, "", "f"));
  out += enc.encode(stream_event::make_tool_call_start(0, "dup", "f"));  // repeated start: ignored
  out += enc.encode(stream_event::make_tool_call_arguments(0, "{}"));
  out += enc.encode(stream_event::make_text("b"));
  out += enc.encode(stream_event::make_tool_call_arguments(0, "late"));  // its block is closed: dropped
  out += enc.end();
  const std::vector<std::string> expected = {
      "message_start",
      "ping",
      "content_block_start:0:text",
      "content_block_delta:0:text_delta",
      "content_block_stop:0",
      "content_block_start:1:thinking",
      "content_block_delta:1:thinking_delta",
      "content_block_delta:1:signature_delta",
      "content_block_stop:1",
      "content_block_start:2:thinking",
      "content_block_delta:2:thinking_delta",
      "content_block_stop:2",
      "content_block_start:3:redacted_thinking",
      "content_block_stop:3",
      "content_block_start:4:thinking",
      "content_block_delta:4:signature_delta",
      "content_block_stop:4",
      "content_block_start:5:tool_use",
      "content_block_delta:5:input_json_delta",
      "content_block_stop:5",
      "content_block_start:6:text",
      "content_block_delta:6:text_delta",
      "content_block_stop:6",
      "message_delta",
      "message_stop",
  };
  EXPECT_EQ(event_names(out), expected) << out;
  EXPECT_NE(out.find(R"("id":"toolu_msg_sy_0")"), std::string::npos) << "a tool call without an id gets one";
  EXPECT_EQ(out.find("late"), std::string::npos);
  EXPECT_EQ(enc.end(), "");
}

TEST(anthropic_messages, stream_encoder_error_ends_the_stream) {
  anthropic_stream_encoder enc("msg_sy", "m");
  auto out = enc.encode(stream_event::make_error({429, "slow down", {}, {}}));
  EXPECT_EQ(out,
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow "
            "down\"}}\n\n");
  EXPECT_EQ(enc.encode(stream_event::make_text("x")), "");
  EXPECT_EQ(enc.end(), "");

  anthropic_stream_encoder empty("msg_e", "m");
  EXPECT_EQ(event_names(empty.end()),
            (std::vector<std::string>{"message_start", "ping", "message_delta", "message_stop"}));
}

// Whatever order events come in, the output is a well-formed Anthropic stream: one block open at
// a time, indexes 0, 1, 2..., deltas of the open block's kind only, every start stopped.
TEST(anthropic_messages, stream_encoder_output_is_well_formed_for_any_event_order) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 300; ++round) {
    anthropic_stream_encoder enc("msg_r", "m");
    std::string out;
    std::size_t tools = 0;
    int n = static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 7) {
        case 0: out += enc.encode(stream_event::make_text("t")); break;
        case 1: out += enc.encode(stream_event::make_reasoning("r")); break;
        case 2: out += enc.encode(stream_event::make_signature("s")); break;
        case 3: out += enc.encode(stream_event::make_tool_call_start(tools, "id", "f")), ++tools; break;
        case 4:
          if (tools) out += enc.encode(stream_event::make_tool_call_arguments(rng() % tools, "x"));
          break;
        case 5: out += enc.encode(stream_event::make_usage({1, 2, {}, {}, {}})); break;
        case 6:
          if (rng() % 4 == 0) out += enc.encode(stream_event::make_finish(openai_finish("tool_calls")));
          break;
      }
    }
    out += enc.end();
    SCOPED_TRACE(out);
    auto events = golden::parse_sse(out);
    ASSERT_GE(events.size(), 4u);
    EXPECT_EQ(events[0].event, "message_start");
    EXPECT_EQ(events[events.size() - 2].event, "message_delta");
    EXPECT_EQ(events.back().event, "message_stop");
    std::int64_t open = -1, next = 0;
    std::string open_type;
    std::size_t tool_blocks = 0;
    for (const auto& e : events) {
      auto data = boost::json::parse(e.data).as_object();
      if (e.event == "content_block_start") {
        ASSERT_EQ(open, -1) << "a block opened while another is open";
        ASSERT_EQ(data.at("index").to_number<std::int64_t>(), next);
        open = next++;
        open_type = std::string(data.at("content_block").at("type").as_string());
        tool_blocks += open_type == "tool_use";
      } else if (e.event == "content_block_delta") {
        ASSERT_EQ(data.at("index").to_number<std::int64_t>(), open);
        auto t = std::string(data.at("delta").at("type").as_string());
        if (open_type == "text") {
          EXPECT_EQ(t, "text_delta");
        } else if (open_type == "thinking") {
          EXPECT_TRUE(t == "thinking_delta" || t == "signature_delta");
        } else {
          EXPECT_EQ(t, "input_json_delta");
        }
      } else if (e.event == "content_block_stop") {
        ASSERT_EQ(data.at("index").to_number<std::int64_t>(), open);
        open = -1;
      } else if (e.event == "message_delta") {
        EXPECT_EQ(open, -1);
      }
    }
    EXPECT_EQ(tool_blocks, tools) << "every tool call gets its block";
  }
}

TEST(anthropic_messages, stream_decoder_skips_what_it_does_not_know_and_merges_usage) {
  anthropic_stream_decoder d;
  auto ev = d.decode(
      R"({"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}})");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].usage.input_tokens, 15);
  EXPECT_FALSE(ev[0].usage.output_tokens);
  EXPECT_TRUE(d.decode(R"({"type":"ping"})").empty());
  EXPECT_TRUE(d.decode(R"({"type":"brand_new_event","x":1})").empty());
  EXPECT_TRUE(
      d.decode(R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})").empty());
  EXPECT_TRUE(
      d.decode(R"({"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}})").empty());
  ev = d.decode(R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}})");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].usage.input_tokens, 15);
  EXPECT_EQ(ev[1].usage.output_tokens, 7);
  EXPECT_EQ(ev[1].usage.cached_input_tokens, 5);
  EXPECT_TRUE(d.decode(R"({"type":"message_stop"})").empty());
  EXPECT_TRUE(d.done());

  ev = anthropic_stream_decoder().decode("{nope");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, stream_event_kind::error);
  EXPECT_EQ(ev[0].error.status, 502u);
  ev = anthropic_stream_decoder().decode(R"({"type":"error","error":{"type":"rate_limit_error","message":"slow"}})");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].error.status, 429u);
  ev = anthropic_stream_decoder().decode(R"({"type":"content_block_delta","index":"zero","delta":{}})");
  EXPECT_EQ(ev.at(0).kind, stream_event_kind::error);
}

TEST(anthropic_messages, bad_upstream_replies_are_502) {
  auto status = [](std::string_view body) {
    auto r = parse_anthropic_response(body);
    auto* e = std::get_if<api_error>(&r);
    return e ? e->status : 0u;
  };
  EXPECT_EQ(status("oops"), 502u);
  EXPECT_EQ(status(R"({"id":"m"})"), 502u);
  EXPECT_EQ(status(R"({"content":[{"type":"text","text":5}]})"), 502u);
  EXPECT_EQ(status(R"({"content":[{"type":"tool_use","id":"t","name":"f","input":[]}]})"), 502u);
  EXPECT_EQ(status(R"({"content":[{"type":"server_tool_use","id":"s"}],"stop_reason":"end_turn"})"), 0u);
}
