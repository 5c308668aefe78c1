#pragma once
// Internal to src/api: pieces of the Anthropic wire shared by the message and stream translators.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "api/chat_types.h"

namespace sy::api::detail {

// The wire's counts: input_tokens excludes cache reads and writes.
struct anthropic_counts {
  std::optional<std::int64_t> input, output, cache_read, cache_write;
  void read(const boost::json::object& usage);  // lenient: odd values are skipped
  void merge(const anthropic_counts& later);
  token_usage canonical() const;
};

// {"input_tokens","output_tokens", cache_*} from canonical usage (input minus cached tokens).
boost::json::object anthropic_usage_json(const token_usage& usage);

// A tool_use id: `given`, or one made from the message id and the call's index when an upstream
// sent none (Anthropic requires one).
std::string anthropic_tool_id(std::string_view message_id, std::size_t index, const std::string& given);

}  // namespace sy::api::detail
