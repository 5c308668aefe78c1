#pragma once
// Internal to src/api: pieces of the OpenAI wire shared by the message and stream translators.
#include <boost/json.hpp>

#include "api/chat_types.h"

namespace sy::api::detail {

// {"prompt_tokens","completion_tokens","total_tokens", *_details} from canonical usage.
boost::json::object openai_usage_json(const token_usage& usage);
// Lenient: counts that are missing, negative or not integers are left unset, never an error.
void read_openai_usage(const boost::json::object& usage, token_usage& out);

}  // namespace sy::api::detail
