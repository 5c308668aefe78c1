#pragma once
// Internal to src/api: pieces of the OpenAI wire shared by the message and stream translators.
#include <boost/json.hpp>

#include "api/chat_types.h"

namespace sy::api::detail {

// {"prompt_tokens","completion_tokens","total_tokens", *_details} from canonical usage.
boost::json::object openai_usage_json(const token_usage& usage);
// The sampling parameters and stop sequences under OpenAI's names (shared by Ollama's
// `options`), with the output limit named `max_tokens_key` ("max_tokens", "num_predict"): each
// one that is set, in order, as put(name, value) — the one list for every writer's form.
template <class Put>
void for_each_sampling(const chat_request& r, std::string_view max_tokens_key, Put&& put) {
  const auto& s = r.sampling;
  if (s.temperature) put("temperature", boost::json::value(*s.temperature));
  if (s.top_p) put("top_p", boost::json::value(*s.top_p));
  if (s.top_k) put("top_k", boost::json::value(*s.top_k));
  if (s.max_tokens) put(max_tokens_key, boost::json::value(*s.max_tokens));
  if (s.seed) put("seed", boost::json::value(*s.seed));
  if (s.presence_penalty) put("presence_penalty", boost::json::value(*s.presence_penalty));
  if (s.frequency_penalty) put("frequency_penalty", boost::json::value(*s.frequency_penalty));
  if (!r.stop.empty()) {
    boost::json::array stop;
    for (const auto& x : r.stop) stop.push_back(boost::json::string(x));
    put("stop", boost::json::value(std::move(stop)));
  }
}
// for_each_sampling into a JSON object.
void put_sampling(boost::json::object& into, const chat_request& request, std::string_view max_tokens_key);

// Lenient: counts that are missing, negative or not integers are left unset, never an error.
void read_openai_usage(const boost::json::object& usage, token_usage& out);

}  // namespace sy::api::detail
