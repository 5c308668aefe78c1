#pragma once
// Anthropic Messages (POST /v1/messages) <-> the canonical chat model: requests, responses, the
// SSE stream in both directions, and the error body.
//
// Translation notes:
//   - `system` (a string or text blocks) becomes leading system messages; system messages
//     anywhere in a canonical request are gathered into `system` on the way out;
//   - a user turn's tool_result blocks become role::tool messages (one per result) followed by a
//     user message with the rest; the writer merges them back into one user turn;
//   - usage: canonical input counts cached and cache-writing tokens too, so input_tokens +
//     cache_read_input_tokens + cache_creation_input_tokens on the wire;
//   - document, search_result and server-tool blocks, server tools (`type` other than
//     "custom"), `mcp_servers` and `container` have no canonical form: they are listed in
//     chat_request::untranslated;
//   - the request writer drops seed and presence/frequency penalties (Anthropic has none),
//     reasoning without a signature (Anthropic refuses unsigned thinking), and refuses
//     response_format json_object / json_schema.
// Parsers never throw on bad input; request errors are 400, reply errors 502.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat_types.h"

namespace sy::api {

struct anthropic_write_options {
  std::int64_t default_max_tokens = 4096;  // max_tokens is required on the wire
  std::string_view model;                  // the upstream's name for the model; empty: request.model
};

api_result<chat_request> parse_anthropic_request(std::string_view body, const parse_limits& limits = {});
api_result<std::string> write_anthropic_request(const chat_request& request,
                                                const anthropic_write_options& options = {});

api_result<chat_response> parse_anthropic_response(std::string_view body, const parse_limits& limits = {});
std::string write_anthropic_response(const chat_response& response);

// end_turn, stop_sequence, pause_turn -> stop; max_tokens -> length; tool_use -> tool_calls;
// refusal -> content_filter. Writing prefers `finish.raw` when it is an Anthropic word.
finish_info anthropic_finish(std::string_view stop_reason, std::string stop_sequence = {});
std::string_view anthropic_stop_reason(const finish_info& finish);

// Upstream stream -> canonical events, one SSE `data:` payload at a time (each payload names its
// own type, so the `event:` line is not needed). Unknown event and delta types are skipped, as
// Anthropic asks of clients; a malformed payload or an `error` event becomes an error event.
class anthropic_stream_decoder {
 public:
  explicit anthropic_stream_decoder(const parse_limits& limits = {}) : limits_(limits) {}
  std::vector<stream_event> decode(std::string_view payload);
  bool done() const { return done_; }  // message_stop seen

 private:
  struct block {
    bool tool = false;
    std::size_t tool_index = 0;
  };
  parse_limits limits_;
  bool done_ = false;
  std::map<std::int64_t, block> blocks_;  // by the wire's content block index
  std::size_t tools_ = 0;
  // the wire's own counts (input_tokens excludes cache reads and writes), merged as they come
  std::optional<std::int64_t> input_, output_, cache_read_, cache_write_;
};

// Canonical events -> the exact Anthropic event sequence:
//
//   message_start, ping
//   ( content_block_start, content_block_delta*, content_block_stop )*   one block open at a time
//   message_delta (stop_reason, usage), message_stop                      from end()
//
// Which block is open follows the events: text -> a text block, reasoning and its signature -> a
// thinking block (a new one after a signature), a redacted block whole; anything else closes the
// open block first. Tool calls are blocks too, but upstreams may stream several at once: while a
// tool_use block is open, a further tool call is queued with its arguments and gets its block
// when the open one closes. Arguments for a call whose block has already closed cannot be sent
// and are dropped (upstreams stream each call's arguments before the next call's). An error
// event becomes `event: error` and ends the stream.
class anthropic_stream_encoder {
 public:
  // `id` and `model` go into message_start ("" = take them from the start event).
  anthropic_stream_encoder(std::string id, std::string model) : id_(std::move(id)), model_(std::move(model)) {}
  std::string encode(const stream_event& event);
  static std::string ping();
  // The normal end: closes the open block, then message_delta and message_stop. "" after an error.
  std::string end();

 private:
  enum class open_block { none, text, thinking, tool };
  struct queued_tool {
    std::size_t index;
    std::string id, name, arguments;
  };
  std::string ensure_started(const stream_event* start);
  std::string close_block();
  std::string flush_queue();
  std::string start_block(boost::json::object content_block);
  std::string delta(boost::json::object delta);
  std::string tool_id(std::size_t index, const std::string& given) const;

  std::string id_, model_;
  bool started_ = false, closed_ = false;
  open_block open_ = open_block::none;
  bool sealed_ = false;          // the open thinking block got its signature
  std::size_t block_index_ = 0;  // index of the open block; next block is block_index_ + open
  std::size_t blocks_ = 0;       // blocks started so far
  std::size_t open_tool_ = 0;    // canonical index of the open tool call
  std::vector<std::size_t> tools_seen_;
  std::vector<queued_tool> queue_;
  finish_info finish_;
  token_usage usage_;
};

// {"type":"error","error":{"type","message"}}; `type` is error.type when it is Anthropic's word,
// else anthropic_error_type(status).
std::string write_anthropic_error(const api_error& error);
// 400 invalid_request_error, 401 authentication_error, 403 permission_error, 404
// not_found_error, 413 request_too_large, 429 rate_limit_error, 503/529 overloaded_error, other
// 5xx api_error, other 4xx invalid_request_error.
std::string_view anthropic_error_type(unsigned status);
// The status an error type stands for (an `event: error` mid-stream carries no status).
unsigned anthropic_error_status(std::string_view type);
// An upstream's error reply (any shape) as an api_error with that status.
api_error parse_anthropic_error(unsigned status, std::string_view body);

}  // namespace sy::api
