#pragma once
// The token counts an upstream reports in a JSON answer or a stream event, read in one pass over
// the bytes without building a JSON tree (the relay reads every answer it passes on):
// - OpenAI's "usage": prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens;
// - Anthropic's "usage": input_tokens (which excludes cache reads and writes: they are added),
//   output_tokens, cache_read_input_tokens (cached), when prompt_tokens / completion_tokens are
//   absent;
// - Ollama's top-level prompt_eval_count and eval_count (usage, when present, wins).
// Only integers count (a string or a fraction is not a count). A repeated member counts as its
// last occurrence, as in a JSON tree.
#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace sy::backends {

struct reported_usage {
  std::optional<std::int64_t> prompt_tokens, completion_tokens, cached_tokens;
  bool has_error_member = false;  // the top level is an object with an "error" member
};

// Reads `json` (a whole document). Invalid JSON sets `ec` to the error json::parse gives for the
// same bytes; the counts are then empty.
reported_usage read_reported_usage(std::string_view json, boost::system::error_code& ec);

}  // namespace sy::backends
