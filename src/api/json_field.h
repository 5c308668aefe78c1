#pragma once
// Rewriting one top-level field of a JSON request body in place, so the rest of the body goes
// upstream byte for byte as the client sent it (numbers, key order and unknown fields intact)
// and the gateway does not re-serialize what it only routes.
#include <optional>
#include <string>
#include <string_view>

namespace sy::api {

// Returns `object_json` with the value of every top-level member named `key` replaced by the
// JSON string `value`. Precondition: `object_json` is a valid JSON object (validate first);
// keys are compared after unescaping. Returns the input unchanged when there is no such member.
std::string replace_top_level_string(std::string_view object_json, std::string_view key, std::string_view value);

// The raw text of the last top-level member named `key` ("" when there is none), and that member
// as a string when it is one. Same precondition; on other input the answer is unspecified but
// stays within `object_json`. For reading a field or two without parsing a whole body.
std::string_view top_level_value(std::string_view object_json, std::string_view key);
std::optional<std::string> top_level_string(std::string_view object_json, std::string_view key);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace sy::api
