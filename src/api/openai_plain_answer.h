#pragma once
// Internal to src/api: the common OpenAI chat.completion answer read in one pass, without a JSON
// tree. Most answers a gateway translates are plain — text (and reasoning text, a refusal), a
// finish reason, usage — and building a tree of their few hundred bytes costs several times
// more than the bytes do (bench/micro: parse_openai_answer).
#include <optional>
#include <string_view>

#include "api/chat_types.h"

namespace sy::api::detail {

// The answer, when it is a plain one: choices[0].message has no tool_calls, no
// reasoning_details and string (or null) content, and every field the canonical answer takes
// has its expected type and fits the limits. nullopt for anything else — another shape, a type
// this pass does not accept, a repeated key, invalid JSON — which the tree reader then reads
// (with its precise errors). Where it answers, it answers exactly what the tree reader would:
// tests/api/openai_plain_answer_test.cpp and the openai_chat fuzz target compare the two.
std::optional<chat_response> read_plain_openai_answer(std::string_view body, const parse_limits& limits);

// The tree reader alone (parse_openai_response tries read_plain_openai_answer first).
api_result<chat_response> parse_openai_response_tree(std::string_view body, const parse_limits& limits);

}  // namespace sy::api::detail
