#pragma once
// Internal to src/api: typed, bounded reads from parsed JSON for the wire-format parsers. Every
// read checks the type and the limits, and on failure records one error naming the field by its
// path ("messages[2].content[0].image_url.url") and returns false. Nothing here throws on bad
// input.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/chat_types.h"

namespace sy::api::detail {

namespace json = boost::json;

// `parent.key` / `parent[i]`, for error messages.
std::string path_of(std::string_view parent, std::string_view key);
std::string path_of(std::string_view parent, std::size_t index);

// Where a value sits ("messages[2].content"), for the error a failed read records: a whole path,
// or a parent and a key that are joined only when a read fails (a member read that succeeds,
// the common case, builds no string). Refers to the caller's strings: lives as one call does.
class field_path {
 public:
  field_path(std::string_view whole) : parent_(whole) {}    // NOLINT(google-explicit-constructor)
  field_path(const std::string& whole) : parent_(whole) {}  // NOLINT(google-explicit-constructor)
  field_path(const char* whole) : parent_(whole) {}         // NOLINT(google-explicit-constructor)
  field_path(std::string_view parent, std::string_view key) : parent_(parent), key_(key), joined_(true) {}
  std::string str() const { return joined_ ? path_of(parent_, key_) : std::string(parent_); }

 private:
  std::string_view parent_, key_;
  bool joined_ = false;
};

// The member named `key`, or nullptr when it is absent or JSON null (clients send null for
// "unset").
const json::value* member(const json::object& object, std::string_view key);

// Saturating addition of token counts.
std::int64_t add_counts(std::int64_t a, std::int64_t b);

// Whether `text` is the text of a JSON object (empty is not).
bool is_json_object_text(std::string_view text, unsigned max_depth);

// Parses `text` that is known to be a JSON object (tool arguments, schemas); {} when it is empty or
// not one, so writers never fail.
json::object object_from_text(std::string_view text);

// OpenAI's embeddings encoding_format "base64": the vector as little-endian float32s, in base64.
std::string base64_float32(const json::array& vector);

class json_reader;

// A function tool's `name` (required, not empty), `description` and `parameters` (a JSON Schema
// object) from `o` at `path`: OpenAI's and Ollama's `function` object, a Responses tool.
bool read_function_definition(json_reader& rd, const json::object& o, const std::string& path, tool_definition& def);

class json_reader {
 public:
  // `status` is what failures report: 400 for a client's request, 502 for an upstream's reply.
  json_reader(const parse_limits& limits, unsigned status)
      : limits_(limits), status_(status), arena_(arena_buffer_, sizeof arena_buffer_), document_(&arena_) {}
  json_reader(const json_reader&) = delete;
  json_reader& operator=(const json_reader&) = delete;

  const parse_limits& limits() const { return limits_; }
  bool failed() const { return error_.has_value(); }
  api_error take_error() { return std::move(*error_); }

  // Records the first failure: "<path>: <what>". Always returns false.
  bool fail(const field_path& path, std::string_view what);
  bool fail_message(std::string message, std::string param = {});

  // The whole body as an object, within the depth limit; null (and the error recorded) when it is
  // not one. The document lives in this reader's arena: it, and every value in it, dies with the
  // reader (copy what outlives it into a container of your own — containers copy into their own
  // storage; a json::value copy-constructed from it would share the arena).
  json::object* parse_object(std::string_view body, std::string_view what);

  const json::object* object(const json::value& v, const field_path& path);
  const json::array* array(const json::value& v, const field_path& path, std::size_t max_items);
  bool string(const json::value& v, const field_path& path, std::string& out, std::size_t max_bytes);
  bool number(const json::value& v, const field_path& path, double& out);
  bool integer(const json::value& v, const field_path& path, std::int64_t& out, std::int64_t min, std::int64_t max);
  bool boolean(const json::value& v, const field_path& path, bool& out);

  // Optional members: absent or null leaves `out` alone and succeeds.
  bool string_member(const json::object& o, std::string_view key, std::string_view parent, std::string& out,
                     std::size_t max_bytes);
  // Required members: absent or null records "<path>: missing"; otherwise as string_member.
  bool required_string_member(const json::object& o, std::string_view key, std::string_view parent, std::string& out,
                              std::size_t max_bytes);
  bool number_member(const json::object& o, std::string_view key, std::string_view parent, std::optional<double>& out);
  bool integer_member(const json::object& o, std::string_view key, std::string_view parent,
                      std::optional<std::int64_t>& out, std::int64_t min, std::int64_t max);
  bool boolean_member(const json::object& o, std::string_view key, std::string_view parent, std::optional<bool>& out);
  // Stop sequences: an array of strings, or one string (within max_stop / max_stop_bytes).
  bool stop_sequences(const json::value& v, std::vector<std::string>& out, std::string_view path);
  // A JSON value kept as text (schemas, tool inputs); must be an object.
  bool object_text_member(const json::object& o, std::string_view key, std::string_view parent, std::string& out);

 private:
  parse_limits limits_;  // a copy: readers are often made from a temporary
  unsigned status_;
  std::optional<api_error> error_;
  // One parse per reader, in an arena: a wire body's many small nodes cost a pointer bump each
  // instead of a malloc and a free (the first 4 KiB come from the reader itself).
  unsigned char arena_buffer_[4096];
  json::monotonic_resource arena_;
  json::value document_;
};

// An array of at most max_items objects, each passed on as each(object, its_path); stops at the first
// false.
template <class Each>
bool each_object(json_reader& rd, const json::value& v, std::string_view path, std::size_t max_items, Each&& each) {
  auto* items = rd.array(v, path, max_items);
  if (!items) return false;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto ipath = path_of(path, i);
    auto* o = rd.object((*items)[i], ipath);
    if (!o || !each(*o, ipath)) return false;
  }
  return true;
}

// A message's content: a string (kept as one text part unless empty) or an array of at most max_parts
// objects, each with a required string "type", passed on as each(part, part_path, type); stops at the
// first false. Anything else fails with `expected` ("expected a string or an array of content parts").
template <class Each>
bool string_or_parts(json_reader& rd, const json::value& v, const std::string& path, std::string_view expected,
                     std::vector<content_part>& out, Each&& each) {
  const auto& lim = rd.limits();
  if (v.is_string()) {
    std::string text;
    if (!rd.string(v, path, text, lim.max_string_bytes)) return false;
    if (!text.empty()) out.push_back(content_part::make_text(std::move(text)));
    return true;
  }
  if (!v.is_array()) return rd.fail(path, expected);
  return each_object(rd, v, path, lim.max_parts, [&](const json::object& part, const std::string& ppath) {
    std::string type;
    return rd.required_string_member(part, "type", ppath, type, lim.max_name_bytes) && each(part, ppath, type);
  });
}

// The tool list OpenAI chat and Ollama share: [{"type":"function","function":{name, description,
// parameters[, strict]}}] into req.tools; a tool of another type is noted as untranslated.
// OpenAI requires `type` and has `strict`; Ollama defaults `type` to "function".
// An upstream's error body (any bytes may come), parsed with a small depth limit; null when it
// is not JSON. The error readers of every wire start here.
json::value parse_error_body(std::string_view body);

struct function_tools_rules {
  bool type_required = true;
  bool read_strict = true;
};
bool parse_function_tools(json_reader& rd, chat_request& req, const json::value& v, function_tools_rules rules);

}  // namespace sy::api::detail
