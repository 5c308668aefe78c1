// The Ollama upstream dialect: OpenAI requests rewritten for Ollama's native API, and its
// replies, NDJSON streams and errors back in OpenAI's format, as the backend relays them (lines
// cut by the relay's ndjson_aligner, in small reads). Golden files in tests/api/fixtures
// (SY_UPDATE_GOLDEN=1 rewrites the expected ones; review the diff).
#include "backends/ollama/ollama_dialect.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../api/golden.h"
#include "api/openai_chat.h"
#include "backends/chat_answer.h"
#include "http/ndjson_aligner.h"

using namespace sy;
namespace golden = sy::api::golden;

namespace {

backends::upstream_dialect::outbound rewrite(std::string_view path, std::string_view body) {
  backends::ollama_dialect d;
  auto r = d.request(path, body);
  if (auto* refused = std::get_if<std::pair<unsigned, std::string>>(&r)) {
    ADD_FAILURE() << "refused " << refused->first << ": " << refused->second;
    return {};
  }
  return std::move(std::get<backends::upstream_dialect::outbound>(r));
}

// An OpenAI client's chat request as the gateway sends it to an Ollama target: decoded, then
// encoded for Ollama's wire.
std::variant<backends::upstream_dialect::chat_outbound, backends::upstream_dialect::refusal> chat(
    std::string_view openai_body) {
  auto parsed = api::parse_openai_request(openai_body);
  if (auto* err = std::get_if<api::api_error>(&parsed))
    return backends::upstream_dialect::refusal{err->status, err->message};
  return backends::ollama_dialect().chat(std::get<api::chat_request>(parsed), {});
}

std::pair<unsigned, std::string> refusal(std::string_view path, std::string_view body) {
  if (path == "/chat/completions") {
    auto r = chat(body);
    if (auto* refused = std::get_if<backends::upstream_dialect::refusal>(&r)) return *refused;
    ADD_FAILURE() << "accepted " << path;
    return {};
  }
  backends::ollama_dialect d;
  auto r = d.request(path, body);
  if (auto* refused = std::get_if<std::pair<unsigned, std::string>>(&r)) return *refused;
  ADD_FAILURE() << "accepted " << path;
  return {};
}

// An NDJSON stream relayed as the backend does it: `read`-byte reads, whole lines to the
// translator, the rest at a clean end. Chunk times (`created`) are zeroed: they are the clock's.
std::string relay_ndjson(std::string_view stream, std::size_t read = 7) {
  auto t = backends::make_ollama_chat_translator("chatcmpl-test");
  http::ndjson_aligner lines;
  std::string out;
  for (std::size_t at = 0; at < stream.size(); at += read) {
    auto whole = lines.push(stream.substr(at, read));
    EXPECT_TRUE(whole.has_value());
    if (whole) out += t->stream_events(*whole);
  }
  out += t->stream_events(lines.flush());
  out += t->stream_end();
  std::string normalized;
  for (auto& e : golden::parse_sse(out)) {
    boost::json::error_code ec;
    auto v = boost::json::parse(e.data, ec);
    if (!ec && v.is_object() && v.as_object().contains("created")) v.as_object()["created"] = 0;
    normalized += "data: " + (ec ? e.data : boost::json::serialize(v)) + "\n\n";
  }
  return normalized;
}

}  // namespace

TEST(ollama_dialect, chat_request_with_tools_and_images) {
  auto r = chat(golden::read_fixture("request_tools_images.openai.json"));
  auto* out = std::get_if<backends::upstream_dialect::chat_outbound>(&r);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->path, "/api/chat");
  ASSERT_TRUE(out->answer);
  golden::expect_json_eq(out->body, "request_tools_images.openai_to_ollama.json");
}

TEST(ollama_dialect, embeddings_request) {
  auto out = rewrite("/embeddings", golden::read_fixture("embed_request.openai.json"));
  EXPECT_EQ(out.path, "/api/embed");
  EXPECT_EQ(boost::json::parse(out.body),
            boost::json::parse(R"({"model":"all-minilm","input":["Why is the sky blue?","Why is the grass green?"]})"));
  ASSERT_TRUE(out.answer);
  golden::expect_json_eq(out.answer->body(200, golden::read_fixture("embed_response.ollama.json")),
                         "embed_response.ollama_to_openai.json");
}

TEST(ollama_dialect, embeddings_in_base64_for_the_openai_sdks) {
  // the OpenAI SDKs ask for base64 unless told otherwise; Ollama answers floats
  auto out = rewrite("/embeddings", R"({"model":"e","input":"x","encoding_format":"base64"})");
  EXPECT_EQ(boost::json::parse(out.body), boost::json::parse(R"({"model":"e","input":"x"})"));
  ASSERT_TRUE(out.answer);
  auto body =
      boost::json::parse(out.answer->body(200, R"({"model":"e","embeddings":[[1.0,-2.5]],"prompt_eval_count":1})"));
  EXPECT_EQ(body.at("data").at(0).at("embedding"), "AACAPwAAIMA=");  // float32 LE 1.0, -2.5
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 1);
}

TEST(ollama_dialect, refuses_what_it_cannot_carry) {
  auto [status, why] = refusal("/completions", R"({"model":"m","prompt":"hi"})");
  EXPECT_EQ(status, 400u);
  EXPECT_NE(why.find("/v1/completions"), std::string::npos) << why;
  std::tie(status, why) = refusal("/responses", "{}");
  EXPECT_EQ(status, 400u);
  // Ollama takes inline images only, and cannot be made to call a tool
  std::tie(status, why) = refusal("/chat/completions", golden::read_fixture("request_images.openai.json"));
  EXPECT_EQ(status, 400u);
  EXPECT_NE(why.find("image"), std::string::npos) << why;
  std::tie(status, why) = refusal("/chat/completions", golden::read_fixture("request_tools.openai.json"));
  EXPECT_EQ(status, 400u);
  EXPECT_NE(why.find("tool_choice"), std::string::npos) << why;
  std::tie(status, why) = refusal("/embeddings", R"({"model":"e","input":[[1,2,3]]})");
  EXPECT_EQ(status, 400u);
}

TEST(ollama_dialect, chat_replies) {
  auto t = backends::make_ollama_chat_translator("chatcmpl-test");
  golden::expect_json_eq(t->body(200, golden::read_fixture("response_tools.ollama.json")),
                         "response_tools.ollama_upstream_to_openai.json");
  golden::expect_json_eq(t->body(200, golden::read_fixture("response_length.ollama.json")),
                         "response_length.ollama_upstream_to_openai.json");
}

TEST(ollama_dialect, error_replies_keep_their_status_in_openai_form) {
  auto t = backends::make_ollama_chat_translator("chatcmpl-test");
  auto body = boost::json::parse(t->body(404, R"({"error":"model \"nope\" not found, try pulling it first"})"));
  EXPECT_EQ(body.at("error").at("message"), "model \"nope\" not found, try pulling it first");
  EXPECT_EQ(body.at("error").at("type"), "not_found_error");
  body = boost::json::parse(t->body(500, "<html>oops</html>"));
  EXPECT_EQ(body.at("error").at("message"), "upstream returned HTTP 500");
  // a 2xx that is not a chat reply: an error object (the backend answers 502 for it)
  body = boost::json::parse(t->body(200, R"({"model":"m","message":{"content":7},"done":true})"));
  EXPECT_TRUE(body.as_object().contains("error"));
  auto e = backends::make_ollama_embed_translator();
  body = boost::json::parse(e->body(400, R"({"error":"input is too long"})"));
  EXPECT_EQ(body.at("error").at("message"), "input is too long");
}

TEST(ollama_dialect, streams) {
  for (std::size_t read : {1u, 7u, 4096u}) {
    SCOPED_TRACE(read);
    golden::expect_sse_eq(relay_ndjson(golden::read_fixture("stream_tools.ollama.ndjson"), read),
                          "stream_tools.ollama_upstream_to_openai.sse");
    golden::expect_sse_eq(relay_ndjson(golden::read_fixture("stream_error.ollama.ndjson"), read),
                          "stream_error.ollama_upstream_to_openai.sse");
  }
}

TEST(ollama_dialect, a_stream_cut_short_ends_with_an_error_not_done) {
  auto text = golden::read_fixture("stream_tools.ollama.ndjson");
  auto last = text.rfind("{\"model\"");  // drop the done:true line
  auto out = relay_ndjson(text.substr(0, last));
  auto events = golden::parse_sse(out);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events.back().data.find("\"error\""), std::string::npos) << out;
  EXPECT_EQ(out.find("[DONE]"), std::string::npos) << out;
  // a torn last line is not parsed as if it were whole
  out = relay_ndjson(text.substr(0, last + 20));
  EXPECT_NE(golden::parse_sse(out).back().data.find("\"error\""), std::string::npos) << out;
  EXPECT_EQ(out.find("[DONE]"), std::string::npos) << out;
  // and the relay's own failure (connection lost) goes out as one error event
  auto t = backends::make_ollama_chat_translator("chatcmpl-test");
  auto first = t->stream_events(text.substr(0, text.find('\n') + 1));
  EXPECT_NE(first.find("Checking both cities."), std::string::npos) << first;
  auto err = t->stream_error("connection lost mid-response");
  EXPECT_NE(err.find("connection lost mid-response"), std::string::npos) << err;
  EXPECT_EQ(t->stream_end(), "");
}
