#pragma once
// Internal to src/api: pieces of the OpenAI wire shared by the message and stream translators.
#include <boost/json.hpp>

#include "api/chat_types.h"

namespace sy::api::detail {

// {"prompt_tokens","completion_tokens","total_tokens", *_details} from canonical usage.
boost::json::object openai_usage_json(const token_usage& usage);
// The sampling parameters and stop sequences under OpenAI's names (shared by Ollama's
// `options`), with the output limit named `max_tokens_key` ("max_tokens", "num_predict").
void put_sampling(boost::json::object& into, const chat_request& request, std::string_view max_tokens_key);

// Lenient: counts that are missing, negative or not integers are left unset, never an error.
void read_openai_usage(const boost::json::object& usage, token_usage& out);

}  // namespace sy::api::detail
