#pragma once
// Internal to src/api: pieces of the Responses wire shared by the answer writer and the stream
// encoder (see openai_responses.h).
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include <functional>
#include "api/chat_types.h"

#include "api/json_out.h"
#include "api/openai_responses.h"

namespace sy::api::detail {

// {"input_tokens","input_tokens_details":{"cached_tokens"},"output_tokens",
//  "output_tokens_details":{"reasoning_tokens"},"total_tokens"}; JSON null when nothing is known.
void write_responses_usage(json_out& w, const token_usage& usage);

// "max_output_tokens" (length) or "content_filter" for a finish that makes a response
// incomplete; "" when it completed.
std::string_view responses_incomplete_reason(const finish_info& finish);

// The `response` object: id, object, created_at, status, error, incomplete_details, model, the
// echoed request fields (with the API's defaults where the request had none), output (items
// written by `output`, inside the array) and usage.
struct responses_object_fields {
  std::string_view id;
  std::int64_t created_at = 0;
  std::string_view model;
  std::string_view status;  // "in_progress", "completed", "incomplete", "failed"
  const responses_echo* echo = nullptr;
  std::string_view incomplete_reason;  // "": incomplete_details is null
  const api_error* error = nullptr;    // response.failed: {code, message}
  std::string_view error_code;
  const token_usage* usage = nullptr;  // null: "usage": null
};
void write_responses_object(json_out& w, const responses_object_fields& f,
                            const std::function<void(json_out&)>& output);

// Output items; `status` is "in_progress", "completed" or "incomplete".
void write_responses_message_item(json_out& w, std::string_view id, std::string_view text, std::string_view status);
void write_responses_output_text(json_out& w, std::string_view text);
void write_responses_reasoning_text(json_out& w, std::string_view text);
void write_responses_reasoning_item(json_out& w, std::string_view id, std::string_view text, std::string_view status);
void write_responses_function_call_item(json_out& w, std::string_view id, std::string_view call_id,
                                        std::string_view name, std::string_view arguments, std::string_view status);

// An item id: <prefix>_<response id without "resp_">_<output index>.
std::string responses_item_id(std::string_view prefix, std::string_view response_id, std::size_t output_index);

}  // namespace sy::api::detail
