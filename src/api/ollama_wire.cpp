// Pieces of the Ollama wire shared by its translators (see ollama_wire.h).
#include "api/ollama_wire.h"

#include <algorithm>
#include <cstdio>

#include "api/json_read.h"

namespace sy::api::detail {

std::string ollama_call_id(std::string_view seed, std::size_t index) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (char c : seed) mix(static_cast<unsigned char>(c));
  mix(0);
  for (char c : std::to_string(index)) mix(static_cast<unsigned char>(c));
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string("call_") + buf;
}

json::object ollama_tool_call_json(const tool_call& call, std::size_t index) {
  json::object fn{{"index", index}, {"name", call.name}, {"arguments", object_from_text(call.arguments)}};
  json::object o;
  if (!call.id.empty()) o["id"] = call.id;
  o["function"] = std::move(fn);
  return o;
}

ollama_metric_list ollama_metrics(const token_usage& u, std::int64_t total_duration, std::int64_t load_duration,
                                  std::int64_t prompt_eval_duration, std::int64_t eval_duration) {
  return {{{"total_duration", std::max<std::int64_t>(total_duration, 0)},
           {"load_duration", std::max<std::int64_t>(load_duration, 0)},
           {"prompt_eval_count", u.input_tokens.value_or(0)},
           {"prompt_eval_duration", std::max<std::int64_t>(prompt_eval_duration, 0)},
           {"eval_count", u.output_tokens.value_or(0)},
           {"eval_duration", std::max<std::int64_t>(eval_duration, 0)}}};
}

void put_ollama_metrics(json::object& o, const token_usage& u, std::int64_t total_duration, std::int64_t load_duration,
                        std::int64_t prompt_eval_duration, std::int64_t eval_duration) {
  for (const auto& [key, value] : ollama_metrics(u, total_duration, load_duration, prompt_eval_duration, eval_duration))
    o[key] = value;
}

std::optional<std::int64_t> ollama_count(const json::object& o, std::string_view key) {
  auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (auto* i = v->if_int64(); i && *i >= 0) return *i;
  if (auto* x = v->if_uint64(); x && *x <= static_cast<std::uint64_t>(max_int64)) return static_cast<std::int64_t>(*x);
  return std::nullopt;
}

std::string take_string(const json::object& o, std::string_view key, std::size_t max) {
  if (auto* v = member(o, key); v && v->is_string() && v->as_string().size() <= max)
    return std::string(v->as_string().data(), v->as_string().size());
  return {};
}

}  // namespace sy::api::detail
