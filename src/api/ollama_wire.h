#pragma once
// Internal to src/api: pieces of the Ollama wire shared by its translators: chat and generate
// (ollama_chat.cpp), embeddings (ollama_embed.cpp), listings (ollama_models.cpp) and streams
// (ollama_stream.cpp). Defined in ollama_wire.cpp.
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "api/chat_types.h"

namespace sy::api::detail {

constexpr std::int64_t max_int32 = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t min_int64 = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t max_int64 = std::numeric_limits<std::int64_t>::max();

// A tool call id for a call the wire sent without one: "call_" + 16 hex digits hashed from
// `seed` (the reply's model and created_at) and the call's index, so ids differ across turns.
std::string ollama_call_id(std::string_view seed, std::size_t index);

// {"id"?, "function":{"index","name","arguments":{...}}}: arguments as an object ({} when the
// text is empty or not a JSON object).
boost::json::object ollama_tool_call_json(const tool_call& call, std::size_t index);

// The counts and durations of a final (done:true) object, in the order they are written.
using ollama_metric_list = std::array<std::pair<std::string_view, std::int64_t>, 6>;
ollama_metric_list ollama_metrics(const token_usage& usage, std::int64_t total_duration, std::int64_t load_duration,
                                  std::int64_t prompt_eval_duration, std::int64_t eval_duration);
void put_ollama_metrics(boost::json::object& o, const token_usage& usage, std::int64_t total_duration,
                        std::int64_t load_duration, std::int64_t prompt_eval_duration, std::int64_t eval_duration);

// Lenient: a count that is missing, negative or not an integer is left unset.
std::optional<std::int64_t> ollama_count(const boost::json::object& o, std::string_view key);

// The string member `key` when it is a string of at most `max` bytes, else "".
std::string take_string(const boost::json::object& o, std::string_view key, std::size_t max);

}  // namespace sy::api::detail
