#include "api/stream_end.h"

#include "api/json_field.h"

namespace sy::api {

namespace {

std::string_view trimmed(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_error_member(std::string_view object_json) {
  auto v = top_level_value(object_json, "error");
  return !v.empty() && v != "null";
}

}  // namespace

bool openai_payload_ends_stream(std::string_view data) {
  data = trimmed(data);
  if (data == "[DONE]") return true;
  if (!data.starts_with('{')) return false;
  if (has_error_member(data)) return true;
  // "finish_reason" with both quotes bare is a key or a whole string value: inside a string its
  // quotes would be escaped. A key followed by a string value is a finish.
  constexpr std::string_view key = "\"finish_reason\"";
  for (auto at = data.find(key); at != std::string_view::npos; at = data.find(key, at + 1)) {
    auto rest = trimmed(data.substr(at + key.size()));
    if (!rest.starts_with(':')) continue;
    rest = trimmed(rest.substr(1));
    if (rest.starts_with('"')) return true;
  }
  return false;
}

bool anthropic_payload_ends_stream(std::string_view data) {
  data = trimmed(data);
  if (!data.starts_with('{')) return false;
  auto type = top_level_string(data, "type");
  return type && (*type == "message_stop" || *type == "error");
}

bool ollama_line_ends_stream(std::string_view line) {
  line = trimmed(line);
  if (!line.starts_with('{')) return false;
  return top_level_value(line, "done") == "true" || has_error_member(line);
}

}  // namespace sy::api
