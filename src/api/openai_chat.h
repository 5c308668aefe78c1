#pragma once
// OpenAI Chat Completions (POST /v1/chat/completions) <-> the canonical chat model: requests,
// responses, the SSE stream in both directions, and the error body. Also what OpenAI-compatible
// servers (vLLM, llama-server, LM Studio, LocalAI) add: `reasoning_content` (and `reasoning`)
// in messages and deltas, `top_k`.
//
// Translation notes:
//   - "developer" messages become system messages; "function" messages, `functions`, `n` > 1,
//     `logprobs`, `logit_bias`, audio, `web_search_options`, file and audio parts have no
//     canonical form: they are listed in chat_request::untranslated;
//   - a data: URL image becomes a base64 image (and back);
//   - the request writer drops reasoning parts (servers refuse them as input) and writes
//     `max_tokens`; responses and streams carry reasoning as `reasoning_content`;
//   - signed or redacted reasoning (Anthropic's thinking blocks, Gemini's thought signatures)
//     rides in an assistant message's `reasoning_details` (OpenRouter's convention:
//     {"type":"reasoning.text","text","signature"} / {"type":"reasoning.encrypted","data"}) in
//     answers and streams, and is read back from requests; the request writer never writes it
//     (OpenAI-compatible servers refuse it);
//   - `reasoning_effort` (or `reasoning.effort`) is the reasoning config; "none" turns it off.
// Parsers never throw on bad input; request errors are 400, reply errors 502.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat_types.h"

namespace sy::api {

api_result<chat_request> parse_openai_request(std::string_view body, const parse_limits& limits = {});
// Refuses (400, naming the feature) what Chat Completions cannot carry: images in tool results.
struct openai_write_options {
  std::string_view model;  // the upstream's name for the model; empty: request.model
};
api_result<std::string> write_openai_request(const chat_request& request, const openai_write_options& options = {});

api_result<chat_response> parse_openai_response(std::string_view body, const parse_limits& limits = {});
std::string write_openai_response(const chat_response& response);

// "stop", "length", "tool_calls", "content_filter" (and legacy "function_call") <-> finish_info.
finish_info openai_finish(std::string_view finish_reason);
std::string_view openai_finish_reason(const finish_info& finish);

// Why a stream that ended before its decoder's ended() was cut short.
inline constexpr std::string_view openai_stream_unfinished =
    "the upstream's stream ended before its last event ([DONE])";

// Upstream stream -> canonical events, one SSE `data:` payload at a time. A payload that is not
// a chunk, or an `{"error":...}` payload, becomes an error event.
class openai_stream_decoder {
 public:
  explicit openai_stream_decoder(const parse_limits& limits = {}) : limits_(limits) {}
  std::vector<stream_event> decode(std::string_view payload);
  bool done() const { return done_; }  // `[DONE]` seen
  // The upstream said the answer is over: `[DONE]`, or a choice's finish_reason (some servers
  // close after it without [DONE]). A stream whose body ends before either was cut short.
  bool ended() const { return done_ || finished_; }

 private:
  parse_limits limits_;
  bool started_ = false;
  bool done_ = false;
  bool finished_ = false;
  std::map<std::int64_t, std::size_t> tool_index_;  // wire index -> canonical index (order of appearance)
};

// Canonical events -> `data: {chunk}\n\n`, every chunk with the same id, created and model.
// Usage goes out in its own chunk (choices: []) just before [DONE], and only when the client
// asked for it (stream_options.include_usage).
class openai_stream_encoder {
 public:
  openai_stream_encoder(std::string id, std::int64_t created, std::string model, bool include_usage);
  std::string encode(const stream_event& event);
  // The normal end: a finish chunk if none was sent, the usage chunk, `data: [DONE]`. "" after an
  // error event (an error ends the stream without [DONE]).
  std::string end();

 private:
  std::string chunk(boost::json::object delta, const char* finish_reason);
  std::string ensure_started();

  std::string id_, model_;
  std::int64_t created_;
  bool include_usage_;
  bool started_ = false, finished_ = false, closed_ = false;
  token_usage usage_;
};

// {"error":{"message","type","param","code"}}; `type` is error.type when it is OpenAI's word,
// else error_type_for_status(status) (core/error_types.h).
std::string write_openai_error(const api_error& error);
// An upstream's error reply (any shape) as an api_error with that status.
api_error parse_openai_error(unsigned status, std::string_view body);

}  // namespace sy::api
