#pragma once
// OpenAI Responses (POST /v1/responses) <-> the canonical chat model, inbound only: requests are
// parsed, answers (a `response` object, or the SSE event sequence of a streamed one) written.
// Errors use OpenAI's body ({"error":{message,type,param,code}}, see write_openai_error).
//
// Translation notes:
//   - `instructions` becomes a leading system message; `input` is a string (one user message) or
//     a list of items: messages (roles user, system, developer -> system, assistant) with
//     input_text / input_image / output_text / refusal parts, function_call items (tool calls of
//     an assistant message; consecutive ones share it), function_call_output items (role::tool
//     messages) and reasoning items (assistant reasoning parts);
//   - tools are flat ({"type":"function","name",...}); `text.format` is the response format;
//     `reasoning.effort` the reasoning config ("none" turns it off); `max_output_tokens` is
//     sampling.max_tokens;
//   - state kept by OpenAI (previous_response_id, conversation, item_reference items, prompt
//     templates, background), built-in tools (web_search, file_search, code_interpreter, mcp,
//     custom, ...), input_file / input_audio parts, image file_ids, `include` values other than
//     reasoning.encrypted_content, top_logprobs, truncation "auto", context_management and any
//     unknown parameter are listed in chat_request::untranslated (the caller answers 400);
//   - hints with no effect on the answer's content are dropped: metadata, store (nothing is
//     stored: answers say store false), service_tier, prompt_cache_key, prompt_cache_retention,
//     safety_identifier, stream_options, text.verbosity, reasoning.summary, max_tool_calls;
//   - answers carry reasoning as a reasoning item with reasoning_text content (no summary, no
//     encrypted_content); length and content_filter finishes are status "incomplete".
// The parser never throws on bad input; its errors are 400.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "api/chat_types.h"

namespace sy::api {

namespace detail {
class json_out;  // api/json_out.h
}

// Request fields a `response` object repeats (instructions, tools, tool_choice, text,
// reasoning, temperature, top_p, max_output_tokens, parallel_tool_calls, metadata, user, ...),
// as the client sent them.
using responses_echo = boost::json::object;

// `echo`, when given, receives the fields an answer repeats.
api_result<chat_request> parse_responses_request(std::string_view body, const parse_limits& limits = {},
                                                 responses_echo* echo = nullptr);

// What an answer says about itself.
struct responses_meta {
  std::string id;               // "resp_..."; "" = made from the upstream id (see responses_id)
  std::string fallback_id;      // used when both id and the upstream id are empty ("resp_" + this)
  std::int64_t created_at = 0;  // unix seconds; 0 = the upstream's `created`
  std::string model;            // "" = the upstream's model
  responses_echo echo;
};

// "resp_" + the characters of `upstream_id` that are letters, digits, '_' or '-' (at most 64);
// "resp_" + `fallback` when none are.
std::string responses_id(std::string_view upstream_id, std::string_view fallback);

// The answer as a `response` object (status completed, or incomplete for length / content
// filter). Output items in the order of response.content: reasoning, message (consecutive text
// parts in one output_text), function_call. Item ids follow the response id: rs_/msg_/fc_<id>_<n>.
std::string write_responses_response(const chat_response& response, const responses_meta& meta);

// Canonical events -> the Responses event sequence, each event as
// `event: <type>\ndata: {"type":<type>,...,"sequence_number":n}\n\n` (n from 0):
//
//   response.created, response.in_progress                              on the first event
//   per output item, in order of appearance:
//     reasoning: output_item.added, content_part.added (reasoning_text),
//                reasoning_text.delta*, reasoning_text.done, content_part.done, output_item.done
//     message:   output_item.added, content_part.added (output_text),
//                output_text.delta*, output_text.done, content_part.done, output_item.done
//     function_call: output_item.added, function_call_arguments.delta*,
//                function_call_arguments.done, output_item.done
//   response.completed, or response.incomplete (length / content filter)  from end()
//
// Reasoning and text items close when other content begins. Function-call items stay open until
// text, reasoning or the end (then close in output order), so arguments of parallel calls that
// arrive interleaved still reach their items; arguments after that point are dropped. An error event becomes `error`
// followed by response.failed (status "failed", the output so far) and ends the stream: end() then adds nothing.
class responses_stream_encoder {
 public:
  explicit responses_stream_encoder(responses_meta meta) : meta_(std::move(meta)) {}
  std::string encode(const stream_event& event);
  std::string end();

 private:
  enum class item_kind { reasoning, message, function_call };
  struct item {
    item_kind kind;
    std::string id;
    std::string text;     // reasoning / message text so far; function_call: the arguments
    std::string call_id;  // function_call
    std::string name;     // function_call
    bool done = false;
  };
  std::string ensure_started(const stream_event* start);
  std::string emit(std::string_view type, const std::function<void(detail::json_out&)>& fields);
  std::string emit(std::string_view type, const boost::json::object& fields);
  std::string open_item(item_kind kind, std::string call_id = {}, std::string name = {});
  std::string close_item(std::size_t output_index);
  std::string close_open(bool tools_too);
  void write_item(detail::json_out& w, const item& it) const;
  // The `response` object as it stands: `incomplete`, `error` as in responses_object_fields.
  void write_response(detail::json_out& w, std::string_view status, std::string_view incomplete = {},
                      const api_error* error = nullptr, std::string_view error_code = {}) const;

  responses_meta meta_;
  bool started_ = false, closed_ = false;
  std::int64_t sequence_ = 0;
  std::vector<item> items_;
  std::size_t open_ = SIZE_MAX;               // output index of the open reasoning/message item
  std::map<std::size_t, std::size_t> tools_;  // canonical tool index -> output index
  finish_info finish_;
  token_usage usage_;
  api_error error_;
};

}  // namespace sy::api
