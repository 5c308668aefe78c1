#pragma once
// Ollama's native API (/api/chat, /api/generate, /api/embed, /api/embeddings, /api/tags, /api/ps,
// /api/show, /api/version) <-> the canonical chat model, in both directions: inbound (Ollama
// clients talking to Switchyard) and outbound (Switchyard talking to an Ollama server).
//
// Translation notes:
//   - Ollama messages carry one string of content; images are a separate list of bare base64
//     payloads (no media type): the parser sniffs PNG, JPEG, GIF and WebP from the first bytes
//     (a `data:` URL is accepted too) and refuses anything else; the writer refuses image URLs
//     (an Ollama server only takes inline images);
//   - tool calls have no ids on the Ollama wire (newer servers send one): missing ids are made up
//     ("call_<message>_<n>" in requests, a stable hash in replies), and a tool message is tied to
//     its call by `tool_call_id`, else by `tool_name`, else by order; the writer adds
//     `tool_name` from the matching call. Arguments are a JSON object on the wire, text in the
//     canonical model;
//   - `format`: "json" is response_format json_object, a schema object is json_schema (named
//     "response"); `think`: a bool enables/disables reasoning, "low"/"medium"/"high" is an effort;
//   - `options`: temperature, top_p, top_k, num_predict (max_tokens; negative = unlimited),
//     seed, stop, presence_penalty and frequency_penalty map; the rest (num_ctx,
//     repeat_penalty, min_p, mirostat, ...) and `keep_alive` are type-checked, kept in
//     chat_request::extra and written back only to an Ollama target;
//   - /api/generate becomes an optional system message and one user message (prompt + images);
//     `suffix`, `context`, `raw` and `template` have no canonical form and are listed in
//     chat_request::untranslated; `logprobs` likewise;
//   - `stream` defaults to TRUE on this wire; an empty `messages` (or an empty generate prompt)
//     is Ollama's load/unload request: it parses to a request with no messages, for the gateway
//     to answer itself;
//   - the request writer refuses tool_choice "required" or a named tool (Ollama has no
//     tool_choice) and drops tools for tool_choice "none"; it drops parallel_tool_calls, user,
//     reasoning signatures and redacted reasoning.
// Parsers never throw on bad input; request errors are 400 naming the field, reply errors 502.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "api/chat_types.h"

namespace sy::api {

// ---- requests

// POST /api/chat
api_result<chat_request> parse_ollama_chat_request(std::string_view body, const parse_limits& limits = {});
// POST /api/generate
api_result<chat_request> parse_ollama_generate_request(std::string_view body, const parse_limits& limits = {});
// Canonical -> an /api/chat body for an Ollama target. `stream` is always written (the wire's
// default is true). `model`: the upstream's name for the model; empty: request.model.
api_result<std::string> write_ollama_chat_request(const chat_request& request, std::string_view model = {});

// POST /api/embed ({model, input: string | [string], truncate, dimensions, options, keep_alive})
// and the legacy POST /api/embeddings ({model, prompt}) -> an OpenAI /v1/embeddings request body
// ({model, input, encoding_format: "float", dimensions?}). `truncate`, `options` and
// `keep_alive` are dropped.
api_result<std::string> ollama_embed_request_to_openai(std::string_view body, const parse_limits& limits = {});
api_result<std::string> ollama_embeddings_request_to_openai(std::string_view body, const parse_limits& limits = {});
// An OpenAI /v1/embeddings request -> an /api/embed body, for an Ollama target (token-array
// inputs are refused: Ollama embeds text). Ollama answers floats: encoding_format "base64" (the
// OpenAI SDKs' default) is accepted only when `base64` is given, which then says whether the
// client asked for it (the reply must be written with base64 = true).
api_result<std::string> openai_embeddings_request_to_ollama(std::string_view body, const parse_limits& limits = {},
                                                            bool* base64 = nullptr);

// ---- responses

// What the Ollama wire reports besides the canonical response: timestamps and durations, all in
// nanoseconds (durations 0 when not measured).
struct ollama_timing {
  std::optional<std::int64_t> created_at_ns;  // unset = the response's `created` (seconds)
  std::int64_t total_duration = 0;
  std::int64_t load_duration = 0;
  std::int64_t prompt_eval_duration = 0;
  std::int64_t eval_duration = 0;
};

// {model, created_at, message:{role, content, thinking?, tool_calls?}, done:true, done_reason,
//  total_duration, load_duration, prompt_eval_count, prompt_eval_duration, eval_count, eval_duration}
std::string write_ollama_chat_response(const chat_response& response, const ollama_timing& timing = {});
// {model, created_at, response, thinking?, done:true, done_reason, <the same counts>}; tool calls
// (which /api/generate cannot carry) are dropped.
std::string write_ollama_generate_response(const chat_response& response, const ollama_timing& timing = {});

// An Ollama /api/chat (or /api/generate: `response` instead of `message`) reply -> canonical.
// done_reason "stop" with tool calls is finish_reason::tool_calls; ids are made up where missing.
api_result<chat_response> parse_ollama_response(std::string_view body, const parse_limits& limits = {});

// "stop" / "length" (and "load", "unload") <-> finish_info. Writing prefers `finish.raw` when it
// is one of those words; tool_calls and content_filter are "stop".
finish_info ollama_finish(std::string_view done_reason);
std::string_view ollama_done_reason(const finish_info& finish);

// An OpenAI /v1/embeddings reply -> /api/embed ({model, embeddings, prompt_eval_count}) or the
// legacy /api/embeddings ({embedding}: the first vector). `model` "" = the upstream's. 502 when
// the reply is not an embeddings list of float vectors.
api_result<std::string> openai_embeddings_to_ollama_embed(std::string_view openai_body, std::string_view model = {},
                                                          const ollama_timing& timing = {});
api_result<std::string> openai_embeddings_to_ollama_embeddings(std::string_view openai_body);
// An /api/embed reply -> an OpenAI /v1/embeddings reply, for an Ollama target; `base64`: each
// vector as OpenAI's base64 of little-endian float32s instead of a number array.
api_result<std::string> ollama_embed_to_openai_embeddings(std::string_view ollama_body, std::string_view model = {},
                                                          bool base64 = false);

// ---- streams (NDJSON: one JSON object per line)

enum class ollama_endpoint { chat, generate };

// Canonical events -> NDJSON lines, each ending in '\n':
//   {"model","created_at","message":{"role":"assistant","content":"<delta>"},"done":false}   chat
//   {"model","created_at","response":"<delta>","done":false}                                  generate
// Reasoning goes out as message.thinking (chat) or thinking (generate). Ollama streams carry a
// tool call whole: a call's argument fragments are buffered and the call goes out in one line
// (tool_calls:[{function:{index,name,arguments:{...}}}]) once the next call starts and its own
// arguments are complete JSON, or before text, or at the end. end() writes the final line:
// done:true, done_reason and the counts. An error event writes {"error":"..."} and ends the
// stream. /api/generate streams drop tool calls.
class ollama_stream_encoder {
 public:
  // `model` "" = take it from the start event. `created_at_ns` stamps every line until
  // set_time() moves it on (the gateway calls it with the current time; tests keep it fixed).
  ollama_stream_encoder(std::string model, ollama_endpoint endpoint, std::int64_t created_at_ns);
  void set_time(std::int64_t created_at_ns) { now_ns_ = created_at_ns; }
  std::string encode(const stream_event& event);
  // The normal end: pending tool calls, then the done:true line. "" after an error.
  std::string end(const ollama_timing& timing = {});

 private:
  struct pending_call {
    std::size_t index;
    std::string id, name, arguments;
  };
  boost::json::object line_head() const;
  std::string line(boost::json::object message_or_fields) const;
  std::string flush_calls(bool all);
  std::string call_line(std::vector<pending_call> calls) const;

  std::string model_;
  ollama_endpoint endpoint_;
  std::int64_t now_ns_;
  bool closed_ = false;
  std::vector<pending_call> calls_;  // buffered, in order of appearance
  finish_info finish_;
  token_usage usage_;
  bool any_tool_calls_ = false;
};

// Upstream NDJSON -> canonical events: decode() takes one line, feed() any bytes (it splits lines
// and keeps a partial last line). The first object yields a start event; message.content /
// response -> text, thinking -> reasoning, each tool call -> tool_call_start + its whole
// arguments; done:true -> finish and usage; {"error":"..."} -> an error event (502). Lines after
// done are ignored.
class ollama_stream_decoder {
 public:
  explicit ollama_stream_decoder(const parse_limits& limits = {}) : limits_(limits) {}
  std::vector<stream_event> decode(std::string_view line);
  std::vector<stream_event> feed(std::string_view bytes);
  bool done() const { return done_; }  // a done:true line seen
  bool failed() const { return failed_; }

 private:
  parse_limits limits_;
  bool started_ = false, done_ = false, failed_ = false;
  std::size_t tools_ = 0;
  std::string partial_;
  std::string created_at_;
};

// ---- listings (the gateway fills these)

struct ollama_model_details {
  std::string parent_model;
  std::string format = "gguf";
  std::string family;
  std::vector<std::string> families;  // empty = null
  std::string parameter_size;         // "7.2B"
  std::string quantization_level;     // "Q4_K_M"
};

// One model in /api/tags (name, model, modified_at, size, digest, details) or /api/ps (name,
// model, size, digest, details, expires_at, size_vram, context_length).
struct ollama_model_entry {
  std::string name;
  std::string model;  // "" = name
  std::int64_t modified_at_ns = 0;
  std::int64_t size = 0;  // bytes
  std::string digest;     // sha256 hex
  ollama_model_details details;
  std::int64_t expires_at_ns = 0;              // ps
  std::int64_t size_vram = 0;                  // ps
  std::optional<std::int64_t> context_length;  // ps
};

std::string write_ollama_tags(const std::vector<ollama_model_entry>& models);
std::string write_ollama_ps(const std::vector<ollama_model_entry>& models);
// An upstream's /api/tags reply (or /api/ps) -> entries. Lenient about fields it does not need;
// 502 when there is no `models` array or an entry has no name.
api_result<std::vector<ollama_model_entry>> parse_ollama_tags(std::string_view body, const parse_limits& limits = {});

// /api/show. model_info gets "general.architecture" and, per known value,
// "<architecture>.context_length", ".embedding_length", ".block_count", ".attention.head_count",
// ".attention.head_count_kv", "general.parameter_count", plus whatever `model_info_extra` holds.
struct ollama_show_info {
  ollama_model_details details;
  std::string architecture;  // "llama"
  std::optional<std::int64_t> context_length, embedding_length, block_count, head_count, head_count_kv, parameter_count;
  boost::json::object model_info_extra;
  std::vector<std::string> capabilities;  // "completion", "tools", "embedding", "vision", "thinking"
  std::string license, modelfile, parameters, template_text, system;  // written as "" when empty
  std::int64_t modified_at_ns = 0;                                    // 0 = omitted
};
std::string write_ollama_show(const ollama_show_info& info);
// An upstream's /api/show reply -> details, architecture, context length and capabilities.
api_result<ollama_show_info> parse_ollama_show(std::string_view body, const parse_limits& limits = {});
// The model an /api/show (or /api/delete, /api/pull) request names: `model`, or the legacy `name`.
api_result<std::string> parse_ollama_model_name(std::string_view body, const parse_limits& limits = {});

// {"version":"..."}
std::string write_ollama_version(std::string_view version);

// ---- errors

// {"error":"message"}; the HTTP status goes on the response line.
std::string write_ollama_error(const api_error& error);
// An upstream's error reply ({"error":"..."}, or any shape) as an api_error with that status.
api_error parse_ollama_error(unsigned status, std::string_view body);

}  // namespace sy::api
