#pragma once
// Internal to src/api: pieces of the Responses wire shared by the answer writer and the stream
// encoder (see openai_responses.h).
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "api/chat_types.h"
#include "api/openai_responses.h"

namespace sy::api::detail {

// {"input_tokens","input_tokens_details":{"cached_tokens"},"output_tokens",
//  "output_tokens_details":{"reasoning_tokens"},"total_tokens"}; JSON null when nothing is known.
boost::json::value responses_usage_json(const token_usage& usage);

// "max_output_tokens" (length) or "content_filter" for a finish that makes a response
// incomplete; "" when it completed.
std::string_view responses_incomplete_reason(const finish_info& finish);

// The `response` object without output and usage: id, object, created_at, status, error,
// incomplete_details, model and the echoed request fields (with the API's defaults where the
// request had none).
boost::json::object responses_object(std::string_view id, std::int64_t created_at, std::string_view model,
                                     std::string_view status, const responses_echo& echo);

// Output items; `status` is "in_progress", "completed" or "incomplete".
boost::json::object responses_message_item(std::string_view id, std::string_view text, std::string_view status);
boost::json::object responses_output_text(std::string_view text);
boost::json::object responses_reasoning_item(std::string_view id, std::string_view text, std::string_view status);
boost::json::object responses_function_call_item(std::string_view id, std::string_view call_id, std::string_view name,
                                                 std::string_view arguments, std::string_view status);

// An item id: <prefix>_<response id without "resp_">_<output index>.
std::string responses_item_id(std::string_view prefix, std::string_view response_id, std::size_t output_index);

}  // namespace sy::api::detail
