// Ollama /api/embed and /api/embeddings <-> OpenAI /v1/embeddings, requests and replies in both
// directions (see ollama_api.h).
#include "api/ollama_api.h"

#include <algorithm>

#include "api/json_read.h"
#include "api/ollama_wire.h"

namespace sy::api {

namespace {

using namespace detail;

bool parse_embed_input(json_reader& rd, const json::value& v, std::string_view path, json::value& out,
                       bool allow_tokens_error) {
  const auto& lim = rd.limits();
  if (v.is_string()) {
    std::string s;
    if (!rd.string(v, path, s, lim.max_string_bytes)) return false;
    out = json::string(s);
    return true;
  }
  auto* a = v.if_array();
  if (!a) return rd.fail(path, "expected a string or an array of strings");
  if (a->size() > lim.max_messages)
    return rd.fail(path, "too many items (at most " + std::to_string(lim.max_messages) + ")");
  json::array items;
  for (std::size_t i = 0; i < a->size(); ++i) {
    if (allow_tokens_error && !(*a)[i].is_string())
      return rd.fail(path, "token arrays are not supported by an Ollama target; send text");
    std::string s;
    if (!rd.string((*a)[i], path_of(path, i), s, lim.max_string_bytes)) return false;
    items.push_back(json::string(s));
  }
  out = std::move(items);
  return true;
}

bool check_embed_extras(json_reader& rd, const json::object& o) {
  std::optional<bool> flag;
  if (!rd.boolean_member(o, "truncate", "", flag)) return false;
  if (auto* op = member(o, "options"); op && !rd.object(*op, "options")) return false;
  if (auto* k = member(o, "keep_alive"); k && !k->is_string() && !k->is_number())
    return rd.fail("keep_alive", "expected a duration string or a number of seconds");
  return true;
}

// An OpenAI embeddings list, sorted by index: the vectors (each an array of numbers).
std::optional<std::vector<json::array>> read_openai_vectors(json_reader& rd, const json::object& o) {
  auto* dv = member(o, "data");
  if (!dv) {
    rd.fail("data", "missing");
    return std::nullopt;
  }
  auto* data = rd.array(*dv, "data", rd.limits().max_messages);
  if (!data) return std::nullopt;
  std::vector<std::pair<std::int64_t, json::array>> items;
  for (std::size_t i = 0; i < data->size(); ++i) {
    auto ipath = path_of("data", i);
    auto* item = rd.object((*data)[i], ipath);
    if (!item) return std::nullopt;
    std::optional<std::int64_t> index;
    if (!rd.integer_member(*item, "index", ipath, index, 0, max_int32)) return std::nullopt;
    auto* ev = member(*item, "embedding");
    if (!ev) {
      rd.fail(path_of(ipath, "embedding"), "missing");
      return std::nullopt;
    }
    auto* vec = ev->if_array();
    if (!vec) {
      rd.fail(path_of(ipath, "embedding"), "expected an array of numbers (encoding_format float)");
      return std::nullopt;
    }
    for (const auto& x : *vec)
      if (!x.is_number()) {
        rd.fail(path_of(ipath, "embedding"), "expected an array of numbers");
        return std::nullopt;
      }
    items.emplace_back(index.value_or(static_cast<std::int64_t>(i)), *vec);
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<json::array> out;
  out.reserve(items.size());
  for (auto& it : items) out.push_back(std::move(it.second));
  return out;
}

// The embeddings requests' `model`: required, not empty.
std::optional<api_error> required_model(json_reader& rd, const json::object& o, std::string& model) {
  if (!rd.required_string_member(o, "model", "", model, rd.limits().max_model_bytes)) return rd.take_error();
  if (model.empty()) return api_error{400, "model: must not be empty", "invalid_request_error", "model"};
  return std::nullopt;
}

}  // namespace

// ---- requests

api_result<std::string> ollama_embed_request_to_openai(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  if (!o) return rd.take_error();
  std::string model;
  if (auto err = required_model(rd, *o, model)) return *err;
  auto* in = member(*o, "input");
  if (!in) return api_error{400, "input: missing", "invalid_request_error", "input"};
  json::value input;
  if (!parse_embed_input(rd, *in, "input", input, false)) return rd.take_error();
  std::optional<std::int64_t> dimensions;
  if (!rd.integer_member(*o, "dimensions", "", dimensions, 1, 1 << 20) || !check_embed_extras(rd, *o))
    return rd.take_error();
  json::object out{{"model", model}, {"input", std::move(input)}, {"encoding_format", "float"}};
  if (dimensions) out["dimensions"] = *dimensions;
  return json::serialize(out);
}

api_result<std::string> ollama_embeddings_request_to_openai(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  if (!o) return rd.take_error();
  std::string model, prompt;
  if (auto err = required_model(rd, *o, model)) return *err;
  if (!rd.required_string_member(*o, "prompt", "", prompt, limits.max_string_bytes) || !check_embed_extras(rd, *o))
    return rd.take_error();
  return json::serialize(json::object{{"model", model}, {"input", prompt}, {"encoding_format", "float"}});
}

api_result<std::string> openai_embeddings_request_to_ollama(std::string_view body, const parse_limits& limits,
                                                            bool* base64) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  if (!o) return rd.take_error();
  std::string model, encoding;
  if (auto err = required_model(rd, *o, model)) return *err;
  auto* in = member(*o, "input");
  if (!in) return api_error{400, "input: missing", "invalid_request_error", "input"};
  json::value input;
  if (!parse_embed_input(rd, *in, "input", input, true)) return rd.take_error();
  std::optional<std::int64_t> dimensions;
  if (!rd.integer_member(*o, "dimensions", "", dimensions, 1, 1 << 20) ||
      !rd.string_member(*o, "encoding_format", "", encoding, 32))
    return rd.take_error();
  if (base64) *base64 = encoding == "base64";
  if (!encoding.empty() && encoding != "float" && !(base64 && *base64))
    return api_error{400, "encoding_format: an Ollama target returns float vectors only", "invalid_request_error",
                     "encoding_format"};
  json::object out{{"model", model}, {"input", std::move(input)}};
  if (dimensions) out["dimensions"] = *dimensions;
  return json::serialize(out);
}

// ---- responses

api_result<std::string> openai_embeddings_to_ollama_embed(std::string_view openai_body, std::string_view model,
                                                          const ollama_timing& t) {
  const parse_limits limits;  // json_reader keeps a reference
  json_reader rd(limits, 502);
  auto o = rd.parse_object(openai_body, "embeddings reply");
  if (!o) return rd.take_error();
  auto vectors = read_openai_vectors(rd, *o);
  if (!vectors) return rd.take_error();
  json::array embeddings;
  for (auto& v : *vectors) embeddings.push_back(std::move(v));
  std::string name(model);
  if (name.empty()) name = take_string(*o, "model", 1024);
  std::int64_t prompt_tokens = 0;
  if (auto* u = member(*o, "usage"); u && u->is_object())
    prompt_tokens = ollama_count(u->as_object(), "prompt_tokens").value_or(0);
  json::object out{{"model", name},
                   {"embeddings", std::move(embeddings)},
                   {"total_duration", std::max<std::int64_t>(t.total_duration, 0)},
                   {"load_duration", std::max<std::int64_t>(t.load_duration, 0)},
                   {"prompt_eval_count", prompt_tokens}};
  return json::serialize(out);
}

api_result<std::string> openai_embeddings_to_ollama_embeddings(std::string_view openai_body) {
  const parse_limits limits;  // json_reader keeps a reference
  json_reader rd(limits, 502);
  auto o = rd.parse_object(openai_body, "embeddings reply");
  if (!o) return rd.take_error();
  auto vectors = read_openai_vectors(rd, *o);
  if (!vectors) return rd.take_error();
  json::value first = vectors->empty() ? json::value(json::array{}) : json::value(std::move(vectors->front()));
  return json::serialize(json::object{{"embedding", std::move(first)}});
}

api_result<std::string> ollama_embed_to_openai_embeddings(std::string_view ollama_body, std::string_view model,
                                                          bool base64) {
  const parse_limits limits;  // json_reader keeps a reference
  json_reader rd(limits, 502);
  auto o = rd.parse_object(ollama_body, "embed reply");
  if (!o) return rd.take_error();
  auto* ev = member(*o, "embeddings");
  if (!ev) return api_error{502, "upstream reply: embeddings: missing", "api_error", {}};
  auto* vectors = rd.array(*ev, "embeddings", rd.limits().max_messages);
  if (!vectors) return rd.take_error();
  json::array data;
  for (std::size_t i = 0; i < vectors->size(); ++i) {
    auto* vec = (*vectors)[i].if_array();
    bool numbers = vec && std::all_of(vec->begin(), vec->end(), [](const json::value& x) { return x.is_number(); });
    if (!numbers) {
      rd.fail(path_of("embeddings", i), "expected an array of numbers");
      return rd.take_error();
    }
    json::value embedding = base64 ? json::value(base64_float32(*vec)) : json::value(*vec);
    data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  std::string name(model);
  if (name.empty()) name = take_string(*o, "model", 1024);
  auto prompt_tokens = ollama_count(*o, "prompt_eval_count").value_or(0);
  json::object out{{"object", "list"},
                   {"data", std::move(data)},
                   {"model", name},
                   {"usage", json::object{{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
  return json::serialize(out);
}

}  // namespace sy::api
