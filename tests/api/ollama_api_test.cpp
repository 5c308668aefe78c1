// Ollama's native API: golden tests for every translation pair with the other wires (requests,
// responses, NDJSON streams both ways, embeddings, listings), plus what the parsers refuse and
// record. Input fixtures were written from Ollama's API reference (docs/api.md); expected files
// are checked in next to them (SY_UPDATE_GOLDEN=1 rewrites them; review the diff).
#include "api/ollama_api.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "api/anthropic_messages.h"
#include "api/openai_chat.h"
#include "core/rfc3339.h"
#include "golden.h"

using namespace sy::api;

namespace {

constexpr std::int64_t fixed_ns = 1'700'000'000'123'456'000;  // 2023-11-14T22:13:20.123456Z

using golden::ok;

std::string text_of(const api_result<std::string>& r) {
  auto* s = ok(r);
  return s ? *s : std::string{};
}

template <class T>
api_error error_of(const api_result<T>& r) {
  if (auto* e = std::get_if<api_error>(&r)) return *e;
  ADD_FAILURE() << "accepted";
  return {};
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty()) out.emplace_back(line);
  }
  return out;
}

// NDJSON compared line by line as JSON values.
void expect_ndjson_eq(std::string_view actual, std::string_view expected_fixture) {
  SCOPED_TRACE(std::string(expected_fixture));
  auto a = split_lines(actual);
  for (const auto& l : a) {
    boost::json::error_code ec;
    boost::json::parse(l, ec);
    ASSERT_FALSE(ec) << "not a JSON line: " << l;
  }
  ASSERT_TRUE(actual.empty() || actual.back() == '\n') << "every line ends in a newline";
  if (sy::api::golden::update_mode()) {
    std::ofstream out(sy::api::golden::fixture_path(expected_fixture), std::ios::binary);
    for (const auto& l : a) out << boost::json::serialize(boost::json::parse(l)) << "\n";
    return;
  }
  auto e = split_lines(sy::api::golden::read_fixture(expected_fixture));
  ASSERT_EQ(a.size(), e.size()) << "actual stream:\n" << actual;
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(boost::json::parse(a[i]), boost::json::parse(e[i])) << "line #" << i << "\nactual: " << a[i];
}

chat_request ollama_chat(std::string_view body) {
  auto r = parse_ollama_chat_request(body);
  auto* req = ok(r);
  return req ? *req : chat_request{};
}

api_error chat_error(std::string_view body, const parse_limits& limits = {}) {
  return error_of(parse_ollama_chat_request(body, limits));
}

std::string wrap_message(std::string_view message) {
  return R"({"model":"m","messages":[)" + std::string(message) + "]}";
}

// Canonical events from any of the three stream wires, by the fixture's extension.
std::vector<stream_event> decode_fixture(std::string_view name, bool& ended) {
  std::vector<stream_event> out;
  auto body = sy::api::golden::read_fixture(name);
  auto take = [&](std::vector<stream_event> events) {
    for (auto& e : events) out.push_back(std::move(e));
  };
  if (name.find(".ollama.ndjson") != std::string_view::npos) {
    ollama_stream_decoder d;
    take(d.feed(body));
    ended = d.done();
  } else if (name.find(".anthropic.sse") != std::string_view::npos) {
    anthropic_stream_decoder d;
    for (const auto& e : sy::api::golden::parse_sse(body)) take(d.decode(e.data));
    ended = d.done();
  } else {
    openai_stream_decoder d;
    for (const auto& e : sy::api::golden::parse_sse(body)) take(d.decode(e.data));
    ended = d.done();
  }
  return out;
}

std::string to_ollama_stream(std::string_view input, ollama_endpoint endpoint) {
  bool ended = false;
  ollama_stream_encoder enc("test-model", endpoint, fixed_ns);
  std::string out;
  for (const auto& e : decode_fixture(input, ended)) out += enc.encode(e);
  ollama_timing t;
  t.total_duration = 2'000'000'000;
  t.load_duration = 1'000'000;
  t.prompt_eval_duration = 300'000'000;
  t.eval_duration = 1'600'000'000;
  if (ended) out += enc.end(t);
  return out;
}

}  // namespace

// ---- requests

TEST(ollama_golden, chat_request_to_openai_and_back_to_ollama) {
  auto req = ollama_chat(golden::read_fixture("request_chat.ollama.json"));
  EXPECT_TRUE(req.untranslated.empty());
  EXPECT_FALSE(req.stream);
  golden::expect_json_eq(text_of(write_openai_request(req)), "request_chat.ollama_to_openai.json");
  golden::expect_json_eq(text_of(write_ollama_chat_request(req)), "request_chat.ollama_to_ollama.json");
}

TEST(ollama_golden, generate_request_to_openai) {
  auto r = parse_ollama_generate_request(golden::read_fixture("request_generate.ollama.json"));
  auto* req = ok(r);
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->untranslated.empty());
  EXPECT_TRUE(req->stream) << "Ollama streams by default";
  EXPECT_TRUE(req->stream_usage);
  golden::expect_json_eq(text_of(write_openai_request(*req)), "request_generate.ollama_to_openai.json");
  golden::expect_json_eq(text_of(write_ollama_chat_request(*req)), "request_generate.ollama_to_ollama.json");
}

TEST(ollama_golden, other_wires_to_ollama_requests) {
  struct pair {
    const char* input;
    const char* expected;
    bool anthropic;
  };
  const pair cases[] = {
      {"request_text.openai.json", "request_text.openai_to_ollama.json", false},
      {"request_reasoning.openai.json", "request_reasoning.openai_to_ollama.json", false},
      {"request_tool_error.anthropic.json", "request_tool_error.anthropic_to_ollama.json", true},
      {"request_reasoning.anthropic.json", "request_reasoning.anthropic_to_ollama.json", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    auto body = golden::read_fixture(c.input);
    auto parsed = c.anthropic ? parse_anthropic_request(body) : parse_openai_request(body);
    auto* parsed_req = ok(parsed);
    ASSERT_TRUE(parsed_req);
    auto req = *parsed_req;
    req.choice.reset();  // Ollama has no tool_choice: "any" is refused (see request_writer_refusals)
    golden::expect_json_eq(text_of(write_ollama_chat_request(req)), c.expected);
  }
}

TEST(ollama_golden, embeddings_requests_and_responses) {
  golden::expect_json_eq(text_of(ollama_embed_request_to_openai(golden::read_fixture("embed_single.ollama.json"))),
                         "embed_single.ollama_to_openai.json");
  golden::expect_json_eq(text_of(ollama_embed_request_to_openai(golden::read_fixture("embed_multi.ollama.json"))),
                         "embed_multi.ollama_to_openai.json");
  golden::expect_json_eq(
      text_of(ollama_embeddings_request_to_openai(golden::read_fixture("embeddings_legacy.ollama.json"))),
      "embeddings_legacy.ollama_to_openai.json");
  auto upstream = golden::read_fixture("embeddings_response.openai.json");
  ollama_timing t;
  t.total_duration = 14'143'917;
  golden::expect_json_eq(text_of(openai_embeddings_to_ollama_embed(upstream, "all-minilm:latest", t)),
                         "embeddings_response.openai_to_ollama_embed.json");
  golden::expect_json_eq(text_of(openai_embeddings_to_ollama_embeddings(upstream)),
                         "embeddings_response.openai_to_ollama_embeddings.json");
  // the outbound direction
  golden::expect_json_eq(text_of(ollama_embed_to_openai_embeddings(golden::read_fixture("embed_response.ollama.json"))),
                         "embed_response.ollama_to_openai.json");
  EXPECT_EQ(text_of(openai_embeddings_request_to_ollama(R"({"model":"e","input":["a","b"],"dimensions":4})")),
            R"({"model":"e","input":["a","b"],"dimensions":4})");
}

// ---- responses

TEST(ollama_golden, responses_to_ollama) {
  ollama_timing t;
  t.created_at_ns = fixed_ns;
  t.total_duration = 885'095'291;
  t.load_duration = 3'753'500;
  t.prompt_eval_duration = 328'493'000;
  t.eval_duration = 552'222'000;
  auto openai_tools = parse_openai_response(golden::read_fixture("response_tools.openai.json"));
  ASSERT_TRUE(ok(openai_tools));
  golden::expect_json_eq(write_ollama_chat_response(*ok(openai_tools), t), "response_tools.openai_to_ollama.json");
  auto reasoning = parse_anthropic_response(golden::read_fixture("response_reasoning.anthropic.json"));
  ASSERT_TRUE(ok(reasoning));
  golden::expect_json_eq(write_ollama_chat_response(*ok(reasoning)), "response_reasoning.anthropic_to_ollama.json");
  golden::expect_json_eq(write_ollama_generate_response(*ok(reasoning)),
                         "response_reasoning.anthropic_to_ollama_generate.json");
}

TEST(ollama_golden, ollama_responses_to_other_wires) {
  auto tools = parse_ollama_response(golden::read_fixture("response_tools.ollama.json"));
  auto* r = ok(tools);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->finish.reason, finish_reason::tool_calls);
  EXPECT_EQ(r->created, 1721680408);
  golden::expect_json_eq(write_openai_response(*r), "response_tools.ollama_to_openai.json");
  golden::expect_json_eq(write_anthropic_response(*r), "response_tools.ollama_to_anthropic.json");
  auto gen = parse_ollama_response(golden::read_fixture("response_generate.ollama.json"));
  ASSERT_TRUE(ok(gen));
  EXPECT_EQ(ok(gen)->created, 1691176965);  // 12:22:45 at -07:00
  golden::expect_json_eq(write_openai_response(*ok(gen)), "response_generate.ollama_to_openai.json");
  // and back: the same reply written for an Ollama client is the input again (less nothing)
  ollama_timing t;
  t.created_at_ns = *sy::parse_rfc3339("2024-07-22T20:33:28.123648Z");
  t.total_duration = 885095291;
  t.load_duration = 3753500;
  t.prompt_eval_duration = 328493000;
  t.eval_duration = 552222000;
  auto back = boost::json::parse(write_ollama_chat_response(*r, t)).as_object();
  auto orig = boost::json::parse(golden::read_fixture("response_tools.ollama.json")).as_object();
  auto& call = back["message"].as_object()["tool_calls"].as_array()[0].as_object();
  EXPECT_TRUE(call.contains("id"));
  call.erase("id");
  call["function"].as_object().erase("index");
  EXPECT_EQ(back, orig);
}

// ---- streams

TEST(ollama_golden, streams_to_ollama_ndjson) {
  expect_ndjson_eq(to_ollama_stream("stream_text.openai.sse", ollama_endpoint::chat),
                   "stream_text.openai_to_ollama.ndjson");
  expect_ndjson_eq(to_ollama_stream("stream_tools.openai.sse", ollama_endpoint::chat),
                   "stream_tools.openai_to_ollama.ndjson");
  expect_ndjson_eq(to_ollama_stream("stream_parallel_tools.openai.sse", ollama_endpoint::chat),
                   "stream_parallel_tools.openai_to_ollama.ndjson");
  expect_ndjson_eq(to_ollama_stream("stream_error.openai.sse", ollama_endpoint::chat),
                   "stream_error.openai_to_ollama.ndjson");
  expect_ndjson_eq(to_ollama_stream("stream_tools.anthropic.sse", ollama_endpoint::chat),
                   "stream_tools.anthropic_to_ollama.ndjson");
  expect_ndjson_eq(to_ollama_stream("stream_reasoning.anthropic.sse", ollama_endpoint::generate),
                   "stream_reasoning.anthropic_to_ollama_generate.ndjson");
  expect_ndjson_eq(to_ollama_stream("stream_tools.ollama.ndjson", ollama_endpoint::chat),
                   "stream_tools.ollama_to_ollama.ndjson");
}

TEST(ollama_golden, ollama_ndjson_to_other_streams) {
  struct pair {
    const char* input;
    const char* expected;
    bool anthropic;
  };
  const pair cases[] = {
      {"stream_text.ollama.ndjson", "stream_text.ollama_to_openai.sse", false},
      {"stream_tools.ollama.ndjson", "stream_tools.ollama_to_openai.sse", false},
      {"stream_tools.ollama.ndjson", "stream_tools.ollama_to_anthropic.sse", true},
      {"stream_error.ollama.ndjson", "stream_error.ollama_to_openai.sse", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    bool ended = false;
    auto events = decode_fixture(c.input, ended);
    bool failed = !events.empty() && events.back().kind == stream_event_kind::error;
    EXPECT_NE(ended, failed);
    openai_stream_encoder oe("chatcmpl-sy", 1700000000, "test-model", true);
    anthropic_stream_encoder ae("msg_sy", "test-model");
    std::string out;
    for (const auto& e : events) out += c.anthropic ? ae.encode(e) : oe.encode(e);
    if (ended) out += c.anthropic ? ae.end() : oe.end();
    golden::expect_sse_eq(out, c.expected);
  }
}

// ---- listings and errors

TEST(ollama_golden, listings) {
  ollama_model_entry a;
  a.name = "qwen2.5-0.5b-instruct:q4_k_m";
  a.modified_at_ns = fixed_ns;
  a.size = 491400032;
  a.digest = "9f438cb9cd581fc025612d27f7c1a6669ff83a8bb0ed86c94fcf4c5440555697";
  a.details.family = "qwen2";
  a.details.families = {"qwen2"};
  a.details.parameter_size = "494.03M";
  a.details.quantization_level = "Q4_K_M";
  ollama_model_entry b;
  b.name = "openai/gpt-4o-mini";
  b.model = "gpt-4o-mini";
  b.details.format = "";
  golden::expect_json_eq(write_ollama_tags({a, b}), "tags.ollama.json");
  a.expires_at_ns = fixed_ns + 300'000'000'000;
  a.size_vram = 491400032;
  a.context_length = 4096;
  golden::expect_json_eq(write_ollama_ps({a}), "ps.ollama.json");

  ollama_show_info info;
  info.details = a.details;
  info.architecture = "qwen2";
  info.context_length = 32768;
  info.embedding_length = 896;
  info.block_count = 24;
  info.head_count = 14;
  info.head_count_kv = 2;
  info.parameter_count = 494032768;
  info.model_info_extra["general.file_type"] = 15;
  info.capabilities = {"completion", "tools"};
  info.modified_at_ns = fixed_ns;
  golden::expect_json_eq(write_ollama_show(info), "show.ollama.json");
  EXPECT_EQ(write_ollama_version("0.1.0"), R"({"version":"0.1.0"})");

  // the reverse parsers, for Ollama upstreams
  auto tags = parse_ollama_tags(write_ollama_tags({a, b}));
  ASSERT_TRUE(ok(tags));
  ASSERT_EQ(ok(tags)->size(), 2u);
  EXPECT_EQ((*ok(tags))[0].name, a.name);
  EXPECT_EQ((*ok(tags))[0].modified_at_ns, fixed_ns);
  EXPECT_EQ((*ok(tags))[0].details.quantization_level, "Q4_K_M");
  EXPECT_EQ((*ok(tags))[1].model, "gpt-4o-mini");
  auto show = parse_ollama_show(write_ollama_show(info));
  ASSERT_TRUE(ok(show));
  EXPECT_EQ(ok(show)->architecture, "qwen2");
  EXPECT_EQ(ok(show)->context_length, 32768);
  EXPECT_EQ(ok(show)->capabilities, (std::vector<std::string>{"completion", "tools"}));
  EXPECT_EQ(error_of(parse_ollama_tags(R"({"models":[{"size":1}]})")).status, 502u);
  EXPECT_EQ(error_of(parse_ollama_tags(R"({})")).status, 502u);
}

TEST(ollama_api, error_bodies) {
  EXPECT_EQ(write_ollama_error({404, "model \"x\" not found, try pulling it first", {}, {}}),
            R"({"error":"model \"x\" not found, try pulling it first"})");
  auto e = parse_ollama_error(404, R"({"error":"model 'llama9' not found"})");
  EXPECT_EQ(e.status, 404u);
  EXPECT_EQ(e.message, "model 'llama9' not found");
  EXPECT_EQ(parse_ollama_error(500, "<html>").message, "upstream returned HTTP 500");
  EXPECT_EQ(parse_ollama_error(400, R"({"error":{"message":"bad"}})").message, "bad");
  auto reply = parse_ollama_response(R"({"error":"boom"})");
  EXPECT_EQ(error_of(reply).message, "boom");
  EXPECT_EQ(*ok(parse_ollama_model_name(R"({"name":"llama3"})")), "llama3");
  EXPECT_EQ(*ok(parse_ollama_model_name(R"({"model":"a","name":"b"})")), "a");
  EXPECT_EQ(error_of(parse_ollama_model_name(R"({})")).message, "model: missing");
}

// ---- what the parsers refuse and record

TEST(ollama_api, refuses_bad_requests_naming_the_field) {
  struct bad {
    std::string body;
    std::string message;
  };
  const bad cases[] = {
      {"{\"model\": ", "not valid JSON"},
      {"[1]", "must be a JSON object"},
      {R"({"messages":[]})", "model: missing"},
      {R"({"model":""})", "model: must not be empty"},
      {R"({"model":"m","messages":{}})", "messages: expected an array"},
      {wrap_message(R"({"role":"wizard","content":"x"})"), "messages[0].role: unknown role 'wizard'"},
      {wrap_message(R"({"content":"x"})"), "messages[0].role: missing"},
      {wrap_message(R"({"role":"user","content":["x"]})"), "messages[0].content: expected a string"},
      {wrap_message(R"({"role":"user","content":"x","images":"abc"})"), "messages[0].images: expected an array"},
      {wrap_message(R"({"role":"user","content":"x","images":[7]})"), "messages[0].images[0]: expected a string"},
      {wrap_message(R"({"role":"user","content":"x","images":["not base64!"]})"),
       "messages[0].images[0]: expected base64 image data"},
      {wrap_message(R"({"role":"user","content":"x","images":["AAAAAAAA"]})"),
       "messages[0].images[0]: not a PNG, JPEG, GIF or WebP image"},
      {wrap_message(R"({"role":"user","content":"x","images":[""]})"), "messages[0].images[0]: empty image data"},
      {wrap_message(R"({"role":"user","content":"x","tool_calls":[{"function":{"name":"f"}}]})"),
       "messages[0].tool_calls: only allowed in assistant messages"},
      {wrap_message(R"({"role":"assistant","tool_calls":[{"function":{}}]})"),
       "messages[0].tool_calls[0].function.name: missing"},
      {wrap_message(R"({"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":[1]}}]})"),
       "messages[0].tool_calls[0].function.arguments: expected an object"},
      {wrap_message(R"({"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"nope"}}]})"),
       "messages[0].tool_calls[0].function.arguments: expected a JSON object"},
      {wrap_message(R"({"role":"assistant","tool_calls":[{}]})"), "messages[0].tool_calls[0].function: missing"},
      {R"({"model":"m","stream":"yes"})", "stream: expected true or false"},
      {R"({"model":"m","format":"xml"})", "format: expected \"json\" or a JSON schema object"},
      {R"({"model":"m","format":[1]})", "format: expected \"json\" or a JSON schema object"},
      {R"({"model":"m","think":"extreme"})", "think: expected true, false"},
      {R"({"model":"m","options":[]})", "options: expected an object"},
      {R"({"model":"m","options":{"temperature":"hot"}})", "options.temperature: expected a number"},
      {R"({"model":"m","options":{"num_predict":1.5}})", "options.num_predict: expected an integer"},
      {R"({"model":"m","options":{"num_predict":0}})", "options.num_predict: must not be 0"},
      {R"({"model":"m","options":{"num_ctx":"big"}})", "options.num_ctx: expected an integer"},
      {R"({"model":"m","options":{"use_mmap":1}})", "options.use_mmap: expected true or false"},
      {R"({"model":"m","options":{"stop":[1]}})", "options.stop[0]: expected a string"},
      {R"({"model":"m","options":{"seed":1e300}})", "options.seed: out of range"},
      {R"({"model":"m","keep_alive":[]})", "keep_alive: expected a duration string"},
      {R"({"model":"m","tools":[{"type":"function"}]})", "tools[0].function: missing"},
      {R"({"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":"{}"}}]})",
       "tools[0].function.parameters: expected an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto e = chat_error(c.body);
    EXPECT_EQ(e.status, 400u);
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.message;
    EXPECT_EQ(write_ollama_error(e).find("{\"error\":"), 0u);
  }
  EXPECT_EQ(chat_error(R"({"model":"m","options":{"top_p":"x"}})").param, "options.top_p");
}

TEST(ollama_api, limits) {
  parse_limits lim;
  lim.max_messages = 2;
  lim.max_tools = 1;
  lim.max_parts = 1;
  lim.max_model_bytes = 4;
  auto msg = std::string(R"({"role":"user","content":"x"})");
  EXPECT_NE(chat_error(wrap_message(msg + "," + msg + "," + msg), lim).message.find("messages: too many items"),
            std::string::npos);
  EXPECT_NE(chat_error(R"({"model":"toolong"})", lim).message.find("model: too long"), std::string::npos);
  EXPECT_NE(chat_error(wrap_message(R"({"role":"user","content":"x","images":["iVBORw0KGgo","iVBORw0KGgo"]})"), lim)
                .message.find("messages[0].images: too many items"),
            std::string::npos);
  lim = {};
  lim.max_json_depth = 8;
  EXPECT_NE(chat_error(R"({"model":"m","format":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}}})", lim)
                .message.find("not valid JSON"),
            std::string::npos);
}

TEST(ollama_api, chat_request_details) {
  // stream defaults to true; an empty message list is Ollama's load request
  auto req = ollama_chat(R"({"model":"llama3.2","messages":[],"keep_alive":0})");
  EXPECT_TRUE(req.stream);
  EXPECT_TRUE(req.messages.empty());
  EXPECT_EQ(req.source, wire_format::ollama);
  EXPECT_EQ(req.extra.at("keep_alive"), 0);
  EXPECT_TRUE(ollama_chat(R"({"model":"m"})").messages.empty());
  // think
  EXPECT_FALSE(ollama_chat(R"({"model":"m","think":false})").reasoning->enabled);
  EXPECT_EQ(ollama_chat(R"({"model":"m","think":"high"})").reasoning->effort, "high");
  // negative num_predict is "no limit"
  EXPECT_FALSE(ollama_chat(R"({"model":"m","options":{"num_predict":-1}})").sampling.max_tokens);
  // a data: URL image is accepted; its media type is sniffed from the payload
  req = ollama_chat(wrap_message(R"({"role":"user","content":"x","images":["data:image/png;base64,/9j/4AAQ"]})"));
  ASSERT_EQ(req.messages[0].content.size(), 2u);
  EXPECT_EQ(req.messages[0].content[1].image.media_type, "image/jpeg");
  EXPECT_EQ(req.messages[0].content[1].image.data, "/9j/4AAQ");
  // tool messages are tied to calls by tool_call_id, then tool_name, then order
  req = ollama_chat(wrap_message(R"(
    {"role":"assistant","tool_calls":[{"function":{"name":"a","arguments":{}}},
                                      {"id":"given","function":{"name":"b","arguments":"{\"x\":1}"}},
                                      {"function":{"name":"c"}}]},
    {"role":"tool","tool_name":"c","content":"C"},
    {"role":"tool","tool_call_id":"given","content":"B"},
    {"role":"tool","content":"A"},
    {"role":"tool","content":"orphan"})"));
  ASSERT_EQ(req.messages.size(), 5u);
  const auto& calls = req.messages[0].content;
  EXPECT_EQ(calls[0].call.id, "call_0_0");
  EXPECT_EQ(calls[1].call.id, "given");
  EXPECT_EQ(calls[1].call.arguments, R"({"x":1})");
  EXPECT_EQ(calls[2].call.arguments, "");
  EXPECT_EQ(req.messages[1].content[0].result.tool_call_id, "call_0_2");
  EXPECT_EQ(req.messages[2].content[0].result.tool_call_id, "given");
  EXPECT_EQ(req.messages[3].content[0].result.tool_call_id, "call_0_0");
  EXPECT_EQ(req.messages[4].content[0].result.tool_call_id, "call_4_result");
  // ... and the writer names the tool again
  auto back = boost::json::parse(text_of(write_ollama_chat_request(req))).as_object();
  EXPECT_EQ(back["messages"].as_array()[1].as_object()["tool_name"], "c");
  EXPECT_EQ(back["messages"].as_array()[3].as_object()["tool_name"], "a");
  // untranslatable bits are recorded, harmless ones kept for an Ollama target only
  req = ollama_chat(R"({"model":"m","logprobs":true,"truncate":false,"custom":1,
    "messages":[{"role":"system","content":"s","images":["iVBORw0KGgo"]}]})");
  EXPECT_EQ(req.untranslated, (std::vector<std::string>{"logprobs", "images in system messages"}));
  EXPECT_EQ(req.extra.at("truncate"), false);
  EXPECT_EQ(req.extra.at("custom"), 1);
  req.untranslated.clear();
  auto openai = boost::json::parse(text_of(write_openai_request(req))).as_object();
  EXPECT_FALSE(openai.contains("custom"));
  EXPECT_FALSE(openai.contains("truncate"));
}

TEST(ollama_api, generate_request_details) {
  auto r = parse_ollama_generate_request(
      R"({"model":"codellama:code","prompt":"def gcd(a, b):","suffix":"    return result","context":[1,2,3],"raw":true,
          "template":"{{ .Prompt }}","stream":false})");
  auto* req = ok(r);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->untranslated, (std::vector<std::string>{"context", "suffix", "raw", "template"}));
  ASSERT_EQ(req->messages.size(), 1u);
  EXPECT_EQ(req->messages[0].role, message_role::user);
  EXPECT_FALSE(req->stream);
  auto refusal = refuse_untranslated(*req);
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->message.find("suffix"), std::string::npos);
  // raw false, an empty context and an empty suffix are fine; an empty prompt loads the model
  r = parse_ollama_generate_request(R"({"model":"m","prompt":"","raw":false,"context":[],"suffix":""})");
  ASSERT_TRUE(ok(r));
  EXPECT_TRUE(ok(r)->untranslated.empty());
  EXPECT_TRUE(ok(r)->messages.empty());
  EXPECT_NE(
      error_of(parse_ollama_generate_request(R"({"model":"m","prompt":5})")).message.find("prompt: expected a string"),
      std::string::npos);
  EXPECT_NE(error_of(parse_ollama_generate_request(R"({"model":"m","context":"x"})"))
                .message.find("context: expected an array"),
            std::string::npos);
  EXPECT_NE(error_of(parse_ollama_generate_request(R"({"model":"m","images":["%%"]})")).message.find("images[0]"),
            std::string::npos);
}

TEST(ollama_api, request_writer_refusals) {
  auto openai = parse_openai_request(golden::read_fixture("request_tools.openai.json"));
  ASSERT_TRUE(ok(openai));
  auto e = error_of(write_ollama_chat_request(*ok(openai)));  // tool_choice names a tool
  EXPECT_EQ(e.status, 400u);
  EXPECT_EQ(e.param, "tool_choice");
  auto images = parse_anthropic_request(golden::read_fixture("request_images.anthropic.json"));
  ASSERT_TRUE(ok(images));
  e = error_of(write_ollama_chat_request(*ok(images)));  // an image URL
  EXPECT_NE(e.message.find("messages[0]: an Ollama target takes only inline (base64) images"), std::string::npos);
  // tool_choice none drops the tools
  auto req = *ok(openai);
  req.choice = tool_choice{tool_choice_kind::none, {}};
  EXPECT_FALSE(boost::json::parse(text_of(write_ollama_chat_request(req))).as_object().contains("tools"));
}

TEST(ollama_api, embeddings_refusals) {
  EXPECT_EQ(error_of(ollama_embed_request_to_openai(R"({"model":"m"})")).message, "input: missing");
  EXPECT_NE(error_of(ollama_embed_request_to_openai(R"({"model":"m","input":[1]})"))
                .message.find("input[0]: expected a string"),
            std::string::npos);
  EXPECT_NE(error_of(ollama_embed_request_to_openai(R"({"model":"m","input":"x","dimensions":0})"))
                .message.find("dimensions"),
            std::string::npos);
  EXPECT_NE(
      error_of(ollama_embed_request_to_openai(R"({"model":"m","input":"x","truncate":"no"})")).message.find("truncate"),
      std::string::npos);
  EXPECT_EQ(error_of(ollama_embeddings_request_to_openai(R"({"model":"m"})")).message, "prompt: missing");
  EXPECT_EQ(error_of(ollama_embed_request_to_openai(R"({"input":"x"})")).message, "model: missing");
  EXPECT_NE(
      error_of(openai_embeddings_request_to_ollama(R"({"model":"m","input":[[1,2]]})")).message.find("token arrays"),
      std::string::npos);
  EXPECT_EQ(
      error_of(openai_embeddings_request_to_ollama(R"({"model":"m","input":"x","encoding_format":"base64"})")).param,
      "encoding_format");
  auto bad = error_of(openai_embeddings_to_ollama_embed(R"({"data":[{"embedding":"AAAA"}]})"));
  EXPECT_EQ(bad.status, 502u);
  EXPECT_EQ(error_of(openai_embeddings_to_ollama_embed("nope")).status, 502u);
  EXPECT_EQ(error_of(ollama_embed_to_openai_embeddings(R"({"embeddings":[["x"]]})")).status, 502u);
}

// ---- streams in detail

TEST(ollama_stream, encoder_buffers_tool_calls_until_complete) {
  ollama_stream_encoder enc("m", ollama_endpoint::chat, fixed_ns);
  EXPECT_EQ(enc.encode(stream_event::make_tool_call_start(0, "a", "f")), "");
  EXPECT_EQ(enc.encode(stream_event::make_tool_call_arguments(0, R"({"x":)")), "");
  EXPECT_EQ(enc.encode(stream_event::make_tool_call_start(1, "b", "g")), "") << "call 0 is incomplete";
  EXPECT_EQ(enc.encode(stream_event::make_tool_call_arguments(0, "1}")), "");
  EXPECT_EQ(enc.encode(stream_event::make_tool_call_arguments(1, "{}")), "");
  auto line = enc.encode(stream_event::make_tool_call_start(2, "c", "h"));
  auto lines = split_lines(line);
  ASSERT_EQ(lines.size(), 1u) << line;
  auto calls = boost::json::parse(lines[0]).at("message").at("tool_calls").as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("function").at("arguments"), (boost::json::object{{"x", 1}}));
  EXPECT_EQ(calls[1].at("function").at("name"), "g");
  // text flushes the rest first; the end carries done_reason and the counts
  auto out = enc.encode(stream_event::make_text("ok"));
  ASSERT_EQ(split_lines(out).size(), 2u);
  EXPECT_EQ(boost::json::parse(split_lines(out)[0]).at("message").at("tool_calls").as_array().size(), 1u);
  finish_info f;
  f.reason = finish_reason::length;
  enc.encode(stream_event::make_finish(f));
  token_usage u;
  u.input_tokens = 5;
  u.output_tokens = 7;
  enc.encode(stream_event::make_usage(u));
  auto last = boost::json::parse(enc.end()).as_object();
  EXPECT_EQ(last.at("done"), true);
  EXPECT_EQ(last.at("done_reason"), "length");
  EXPECT_EQ(last.at("prompt_eval_count"), 5);
  EXPECT_EQ(last.at("eval_count"), 7);
  EXPECT_EQ(enc.end(), "") << "ends once";
  EXPECT_EQ(enc.encode(stream_event::make_text("late")), "");
}

TEST(ollama_stream, encoder_error_ends_the_stream) {
  ollama_stream_encoder enc("", ollama_endpoint::generate, fixed_ns);
  enc.encode(stream_event::make_start("id", "from-start"));
  auto first = boost::json::parse(enc.encode(stream_event::make_text("Hi"))).as_object();
  EXPECT_EQ(first.at("model"), "from-start");
  EXPECT_EQ(first.at("response"), "Hi");
  EXPECT_EQ(first.at("created_at"), "2023-11-14T22:13:20.123456Z");
  enc.set_time(fixed_ns + 1);
  EXPECT_EQ(boost::json::parse(enc.encode(stream_event::make_text("!"))).at("created_at"),
            "2023-11-14T22:13:20.123456001Z");
  EXPECT_EQ(enc.encode(stream_event::make_error({500, "model \"x\" crashed", {}, {}})),
            "{\"error\":\"model \\\"x\\\" crashed\"}\n");
  EXPECT_EQ(enc.end(), "");
}

TEST(ollama_stream, decoder_splits_lines_and_refuses_junk) {
  ollama_stream_decoder d;
  auto line = std::string(R"({"model":"m","created_at":"2024-01-01T00:00:00Z","response":"Hel","done":false})") + "\n";
  auto events = d.feed(line.substr(0, 20));
  EXPECT_TRUE(events.empty());
  events =
      d.feed(line.substr(20) + R"({"model":"m","response":"lo","done":true,"done_reason":"length","eval_count":2})");
  ASSERT_EQ(events.size(), 2u);  // start, text; the second line has no newline yet
  EXPECT_EQ(events[0].kind, stream_event_kind::start);
  EXPECT_EQ(events[1].text, "Hel");
  events = d.feed("\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].text, "lo");
  EXPECT_EQ(events[1].finish.reason, finish_reason::length);
  EXPECT_EQ(events[2].usage.output_tokens, 2);
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(d.feed("{\"model\":\"m\",\"response\":\"after\"}\n").empty());

  ollama_stream_decoder junk;
  events = junk.decode("not json");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, stream_event_kind::error);
  EXPECT_EQ(events[0].error.status, 502u);
  EXPECT_TRUE(junk.failed());
  ollama_stream_decoder bad_call;
  events = bad_call.decode(
      R"({"model":"m","message":{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":[1]}}]}})");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, stream_event_kind::error);
  parse_limits lim;
  lim.max_string_bytes = 8;
  ollama_stream_decoder small(lim);
  events = small.feed(std::string(9000, 'x'));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].error.message.find("too long"), std::string::npos);
}

TEST(ollama_api, finish_words) {
  EXPECT_EQ(ollama_finish("length").reason, finish_reason::length);
  EXPECT_EQ(ollama_finish("stop").reason, finish_reason::stop);
  EXPECT_EQ(ollama_finish("unload").reason, finish_reason::stop);
  finish_info f;
  f.reason = finish_reason::tool_calls;
  EXPECT_EQ(ollama_done_reason(f), "stop");
  f = anthropic_finish("max_tokens");
  EXPECT_EQ(ollama_done_reason(f), "length");
  EXPECT_EQ(ollama_done_reason(ollama_finish("load")), "load");
}
