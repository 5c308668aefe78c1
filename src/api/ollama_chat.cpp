// Ollama /api/chat and /api/generate: requests (messages, images, tools, options) and replies, in
// both directions (see ollama_api.h).
#include "api/ollama_api.h"

#include <algorithm>
#include <limits>

#include "api/json_out.h"
#include "api/json_read.h"
#include "api/ollama_wire.h"
#include "api/openai_wire.h"
#include "core/rfc3339.h"

namespace sy::api {

namespace {

using namespace detail;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// ---- images: bare base64, the media type sniffed from the first bytes

std::string_view sniff_media_type(std::string_view b64) {
  if (starts_with(b64, "iVBORw0KGgo")) return "image/png";
  if (starts_with(b64, "/9j/")) return "image/jpeg";
  if (starts_with(b64, "R0lGOD")) return "image/gif";
  if (starts_with(b64, "UklGR")) return "image/webp";
  return {};
}

bool is_base64_text(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              c == '=' || c == '\r' || c == '\n';
    if (!ok) return false;
  }
  return true;
}

bool parse_image(json_reader& rd, const json::value& v, const std::string& path, image_ref& out) {
  std::string data;
  if (!rd.string(v, path, data, rd.limits().max_string_bytes)) return false;
  std::string media_type;
  if (starts_with(data, "data:")) {  // lenient: some clients send a data: URL
    auto marker = data.find(";base64,");
    if (marker == std::string::npos) return rd.fail(path, "a data: URL must be base64 (data:<type>;base64,...)");
    media_type = data.substr(5, marker - 5);
    data.erase(0, marker + 8);
  }
  if (data.empty()) return rd.fail(path, "empty image data");
  if (!is_base64_text(data)) return rd.fail(path, "expected base64 image data");
  auto sniffed = sniff_media_type(data);
  if (sniffed.empty() && (media_type.empty() || media_type.size() > rd.limits().max_name_bytes))
    return rd.fail(path, "not a PNG, JPEG, GIF or WebP image");
  out.source = image_source::base64;
  out.media_type = sniffed.empty() ? std::move(media_type) : std::string(sniffed);
  out.data = std::move(data);
  return true;
}

bool parse_images(json_reader& rd, const json::value& v, const std::string& path, std::vector<content_part>& out) {
  auto* a = rd.array(v, path, rd.limits().max_parts);
  if (!a) return false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    image_ref img;
    if (!parse_image(rd, (*a)[i], path_of(path, i), img)) return false;
    out.push_back(content_part::make_image(std::move(img)));
  }
  return true;
}

// ---- messages

struct open_call {
  std::string id, name;
};

// `arguments`: an object on the wire; a string holding a JSON object is accepted too.
bool parse_arguments(json_reader& rd, const json::value* v, const std::string& path, std::string& out) {
  if (!v) return true;
  if (v->is_object()) {
    out = json::serialize(*v);
    if (out.size() > rd.limits().max_string_bytes) return rd.fail(path, "too large");
    return true;
  }
  if (v->is_string()) {
    if (!rd.string(*v, path, out, rd.limits().max_string_bytes)) return false;
    if (!out.empty() && !is_json_object_text(out, rd.limits().max_json_depth))
      return rd.fail(path, "expected a JSON object");
    return true;
  }
  return rd.fail(path, "expected an object");
}

bool parse_tool_calls(json_reader& rd, const json::value& v, const std::string& path, std::string_view id_prefix,
                      std::vector<content_part>& out, std::vector<open_call>& open) {
  const auto& lim = rd.limits();
  auto* calls = rd.array(v, path, lim.max_tools);
  if (!calls) return false;
  for (std::size_t i = 0; i < calls->size(); ++i) {
    auto cpath = path_of(path, i);
    auto* c = rd.object((*calls)[i], cpath);
    if (!c) return false;
    std::string type = "function";
    if (!rd.string_member(*c, "type", cpath, type, lim.max_name_bytes)) return false;
    if (type != "function") return rd.fail(path_of(cpath, "type"), "unknown type '" + type + "'");
    tool_call call;
    if (!rd.string_member(*c, "id", cpath, call.id, lim.max_name_bytes)) return false;
    auto fpath = path_of(cpath, "function");
    auto* fv = member(*c, "function");
    if (!fv) return rd.fail(fpath, "missing");
    auto* f = rd.object(*fv, fpath);
    if (!f) return false;
    if (!rd.required_string_member(*f, "name", fpath, call.name, lim.max_name_bytes)) return false;
    if (call.name.empty()) return rd.fail(path_of(fpath, "name"), "must not be empty");
    std::optional<std::int64_t> index;
    if (!rd.integer_member(*f, "index", fpath, index, 0, max_int32)) return false;
    if (!parse_arguments(rd, member(*f, "arguments"), path_of(fpath, "arguments"), call.arguments)) return false;
    if (call.id.empty()) call.id = std::string(id_prefix) + std::to_string(i);
    open.push_back({call.id, call.name});
    out.push_back(content_part::make_tool_call(std::move(call)));
  }
  return true;
}

// The id of the call a tool message answers: its tool_call_id, else the first open call with its
// tool_name, else the first open call, else a new id.
std::string answer_call(std::vector<open_call>& open, const std::string& given_id, const std::string& tool_name,
                        std::size_t message_index) {
  auto take = [&](std::vector<open_call>::iterator it) {
    auto id = it->id;
    open.erase(it);
    return id;
  };
  if (!given_id.empty()) {
    auto it = std::find_if(open.begin(), open.end(), [&](const open_call& c) { return c.id == given_id; });
    if (it != open.end()) open.erase(it);
    return given_id;
  }
  if (!tool_name.empty()) {
    auto it = std::find_if(open.begin(), open.end(), [&](const open_call& c) { return c.name == tool_name; });
    if (it != open.end()) return take(it);
  }
  if (!open.empty()) return take(open.begin());
  return "call_" + std::to_string(message_index) + "_result";
}

bool parse_message(json_reader& rd, chat_request& req, const json::value& v, std::size_t index,
                   std::vector<open_call>& open) {
  const auto& lim = rd.limits();
  auto path = path_of("messages", index);
  auto* m = rd.object(v, path);
  if (!m) return false;
  std::string role;
  if (!rd.required_string_member(*m, "role", path, role, lim.max_name_bytes)) return false;
  std::string content;
  if (!rd.string_member(*m, "content", path, content, lim.max_string_bytes)) return false;
  chat_message msg;
  auto* images = member(*m, "images");
  auto ipath = path_of(path, "images");
  if (auto* tc = member(*m, "tool_calls"); tc && role != "assistant" && !(tc->is_array() && tc->as_array().empty()))
    return rd.fail(path_of(path, "tool_calls"), "only allowed in assistant messages");
  if (role == "system" || role == "user") {
    msg.role = role == "user" ? message_role::user : message_role::system;
    if (!content.empty()) msg.content.push_back(content_part::make_text(std::move(content)));
    if (images) {
      if (msg.role == message_role::user) {
        if (!parse_images(rd, *images, ipath, msg.content)) return false;
      } else if (images->is_array() && !images->as_array().empty()) {
        note_untranslated(req, "images in system messages");
      }
    }
  } else if (role == "assistant") {
    msg.role = message_role::assistant;
    std::string thinking;
    if (!rd.string_member(*m, "thinking", path, thinking, lim.max_string_bytes)) return false;
    if (!thinking.empty()) msg.content.push_back(content_part::make_reasoning({std::move(thinking), {}, {}}));
    if (!content.empty()) msg.content.push_back(content_part::make_text(std::move(content)));
    open.clear();
    if (auto* tc = member(*m, "tool_calls")) {
      auto prefix = "call_" + std::to_string(index) + "_";
      if (!parse_tool_calls(rd, *tc, path_of(path, "tool_calls"), prefix, msg.content, open)) return false;
    }
    if (images && images->is_array() && !images->as_array().empty())
      note_untranslated(req, "images in assistant messages");
  } else if (role == "tool") {
    msg.role = message_role::tool;
    std::string tool_name, call_id;
    if (!rd.string_member(*m, "tool_name", path, tool_name, lim.max_name_bytes) ||
        !rd.string_member(*m, "tool_call_id", path, call_id, lim.max_name_bytes))
      return false;
    tool_result result;
    result.tool_call_id = answer_call(open, call_id, tool_name, index);
    if (!content.empty()) result.content.push_back(content_part::make_text(std::move(content)));
    if (images && !parse_images(rd, *images, ipath, result.content)) return false;
    msg.content.push_back(content_part::make_tool_result(std::move(result)));
  } else {
    return rd.fail(path_of(path, "role"), "unknown role '" + role + "'");
  }
  req.messages.push_back(std::move(msg));
  return true;
}

bool parse_format(json_reader& rd, chat_request& req, const json::value& v) {
  if (auto* s = v.if_string()) {
    if (s->empty()) return true;
    if (*s != "json") return rd.fail("format", "expected \"json\" or a JSON schema object");
    req.format = response_format{response_format_kind::json_object, {}, {}, {}, {}};
    return true;
  }
  if (!v.is_object()) return rd.fail("format", "expected \"json\" or a JSON schema object");
  response_format f;
  f.kind = response_format_kind::json_schema;
  f.name = "response";
  if (!rd.object_text_member(json::object{{"format", v}}, "format", "", f.schema)) return false;
  req.format = std::move(f);
  return true;
}

bool parse_think(json_reader& rd, chat_request& req, const json::value& v) {
  reasoning_config rc;
  if (auto* b = v.if_bool()) {
    rc.enabled = *b;
  } else if (auto* s = v.if_string(); s && (*s == "low" || *s == "medium" || *s == "high")) {
    rc.effort = std::string(*s);
  } else {
    return rd.fail("think", "expected true, false, \"low\", \"medium\" or \"high\"");
  }
  req.reasoning = std::move(rc);
  return true;
}

// The Modelfile parameters Ollama knows, by type; unknown ones are kept unchecked.
enum class option_type { integer, number, boolean };

std::optional<option_type> option_type_of(std::string_view key) {
  static constexpr std::string_view integers[] = {"num_keep", "repeat_last_n", "mirostat",   "num_ctx", "num_batch",
                                                  "num_gpu",  "main_gpu",      "num_thread", "num_gqa"};
  static constexpr std::string_view numbers[] = {"min_p",        "typical_p",    "repeat_penalty",
                                                 "mirostat_tau", "mirostat_eta", "tfs_z"};
  static constexpr std::string_view booleans[] = {"penalize_newline", "numa",      "low_vram", "vocab_only",
                                                  "use_mmap",         "use_mlock", "f16_kv",   "logits_all"};
  for (auto k : integers)
    if (key == k) return option_type::integer;
  for (auto k : numbers)
    if (key == k) return option_type::number;
  for (auto k : booleans)
    if (key == k) return option_type::boolean;
  return std::nullopt;
}

bool parse_options(json_reader& rd, chat_request& req, const json::value& v) {
  auto* o = rd.object(v, "options");
  if (!o) return false;
  auto& s = req.sampling;
  const char* p = "options";
  std::optional<std::int64_t> num_predict;
  if (!rd.number_member(*o, "temperature", p, s.temperature) || !rd.number_member(*o, "top_p", p, s.top_p) ||
      !rd.integer_member(*o, "top_k", p, s.top_k, -1, max_int32) ||
      !rd.integer_member(*o, "seed", p, s.seed, min_int64, max_int64) ||
      !rd.number_member(*o, "presence_penalty", p, s.presence_penalty) ||
      !rd.number_member(*o, "frequency_penalty", p, s.frequency_penalty) ||
      !rd.integer_member(*o, "num_predict", p, num_predict, -2, max_int32))
    return false;
  if (num_predict && *num_predict > 0) s.max_tokens = num_predict;  // -1 unlimited, -2 fill the context
  if (num_predict && *num_predict == 0) return rd.fail("options.num_predict", "must not be 0");
  if (auto* st = member(*o, "stop"); st && !rd.stop_sequences(*st, req.stop, "options.stop")) return false;
  json::object rest;
  for (const auto& kv : *o) {
    auto key = kv.key();
    if (key == "temperature" || key == "top_p" || key == "top_k" || key == "seed" || key == "presence_penalty" ||
        key == "frequency_penalty" || key == "num_predict" || key == "stop")
      continue;
    if (kv.value().is_null()) continue;
    auto path = path_of("options", key);
    if (auto t = option_type_of(key)) {
      double d = 0;
      std::int64_t n = 0;
      bool b = false;
      bool ok = *t == option_type::integer  ? rd.integer(kv.value(), path, n, min_int64, max_int64)
                : *t == option_type::number ? rd.number(kv.value(), path, d)
                                            : rd.boolean(kv.value(), path, b);
      if (!ok) return false;
    }
    rest[key] = kv.value();
  }
  if (!rest.empty()) req.extra["options"] = std::move(rest);
  return true;
}

// keep_alive: a duration string ("5m") or a number of seconds.
bool parse_keep_alive(json_reader& rd, chat_request& req, const json::object& o) {
  auto* v = member(o, "keep_alive");
  if (!v) return true;
  if (auto* s = v->if_string()) {
    if (s->size() > 64) return rd.fail("keep_alive", "too long");
  } else if (!v->is_number()) {
    return rd.fail("keep_alive", "expected a duration string or a number of seconds");
  }
  req.extra["keep_alive"] = *v;
  return true;
}

// What /api/chat and /api/generate share: model, format, options, stream, think, keep_alive.
bool parse_common(json_reader& rd, const json::object& o, chat_request& req) {
  const auto& lim = rd.limits();
  req.source = wire_format::ollama;
  if (!rd.required_string_member(o, "model", "", req.model, lim.max_model_bytes)) return false;
  if (req.model.empty()) return rd.fail("model", "must not be empty");
  std::optional<bool> flag;
  if (!rd.boolean_member(o, "stream", "", flag)) return false;
  req.stream = flag.value_or(true);  // Ollama streams unless told not to
  req.stream_usage = req.stream;     // and its final line always has the counts
  if (auto* f = member(o, "format"); f && !parse_format(rd, req, *f)) return false;
  if (auto* op = member(o, "options"); op && !parse_options(rd, req, *op)) return false;
  if (auto* t = member(o, "think"); t && !parse_think(rd, req, *t)) return false;
  if (!parse_keep_alive(rd, req, o)) return false;
  for (auto key : {"truncate", "shift"}) {
    flag.reset();
    if (!rd.boolean_member(o, key, "", flag)) return false;
    if (flag) req.extra[key] = *flag;
  }
  flag.reset();
  if (!rd.boolean_member(o, "logprobs", "", flag)) return false;
  if (flag.value_or(false)) note_untranslated(req, "logprobs");
  return true;
}

// Unknown top-level members go to `extra` (written back only to an Ollama target).
void keep_unknown(const json::object& o, chat_request& req, std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    bool is_known = false;
    for (auto k : known) is_known = is_known || kv.key() == k;
    if (!is_known && !kv.value().is_null()) req.extra[kv.key()] = kv.value();
  }
}

bool parse_chat_body(json_reader& rd, const json::object& o, chat_request& req) {
  const auto& lim = rd.limits();
  if (!parse_common(rd, o, req)) return false;
  if (auto* mv = member(o, "messages")) {
    auto* msgs = rd.array(*mv, "messages", lim.max_messages);
    if (!msgs) return false;
    req.messages.reserve(msgs->size());
    std::vector<open_call> open;
    for (std::size_t i = 0; i < msgs->size(); ++i)
      if (!parse_message(rd, req, (*msgs)[i], i, open)) return false;
  }
  if (auto* t = member(o, "tools");
      t && !parse_function_tools(rd, req, *t, {.type_required = false, .read_strict = false}))
    return false;
  keep_unknown(o, req,
               {"model", "messages", "tools", "format", "options", "stream", "think", "keep_alive", "truncate", "shift",
                "logprobs", "top_logprobs"});
  return true;
}

bool parse_generate_body(json_reader& rd, const json::object& o, chat_request& req) {
  const auto& lim = rd.limits();
  if (!parse_common(rd, o, req)) return false;
  std::string prompt, system, suffix, template_text;
  if (!rd.string_member(o, "prompt", "", prompt, lim.max_string_bytes) ||
      !rd.string_member(o, "system", "", system, lim.max_string_bytes) ||
      !rd.string_member(o, "suffix", "", suffix, lim.max_string_bytes) ||
      !rd.string_member(o, "template", "", template_text, lim.max_string_bytes))
    return false;
  std::vector<content_part> images;
  if (auto* iv = member(o, "images"); iv && !parse_images(rd, *iv, "images", images)) return false;
  std::optional<bool> raw;
  if (!rd.boolean_member(o, "raw", "", raw)) return false;
  if (auto* c = member(o, "context")) {
    auto* a = rd.array(*c, "context", std::numeric_limits<std::size_t>::max());
    if (!a) return false;
    if (!a->empty()) note_untranslated(req, "context");
  }
  if (!suffix.empty()) note_untranslated(req, "suffix");
  if (raw.value_or(false)) note_untranslated(req, "raw");
  if (!template_text.empty()) note_untranslated(req, "template");
  if (!prompt.empty() || !images.empty()) {
    if (!system.empty())
      req.messages.push_back({message_role::system, {content_part::make_text(std::move(system))}, {}});
    chat_message user{message_role::user, {}, {}};
    if (!prompt.empty()) user.content.push_back(content_part::make_text(std::move(prompt)));
    for (auto& img : images) user.content.push_back(std::move(img));
    req.messages.push_back(std::move(user));
  }
  keep_unknown(o, req,
               {"model", "prompt", "system", "suffix", "template", "images", "raw", "context", "format", "options",
                "stream", "think", "keep_alive", "truncate", "shift", "logprobs", "top_logprobs"});
  return true;
}

// ---- writing

std::optional<api_error> put_images(const std::vector<content_part>& parts, std::size_t message_index,
                                    json::object& jm) {
  json::array images;
  for (const auto& p : parts) {
    if (p.kind != part_kind::image) continue;
    if (p.image.source != image_source::base64)
      return api_error{400,
                       "messages[" + std::to_string(message_index) +
                           "]: an Ollama target takes only inline (base64) images, not image URLs",
                       "invalid_request_error", "image_url"};
    images.push_back(json::string(p.image.data));
  }
  if (!images.empty()) jm["images"] = std::move(images);
  return std::nullopt;
}

json::object response_message(const chat_response& r, bool tool_calls) {
  std::string text, thinking;
  json::array calls;
  for (const auto& p : r.content) {
    if (p.kind == part_kind::text) text += p.text;
    if (p.kind == part_kind::reasoning) thinking += p.reasoning.text;
    if (p.kind == part_kind::tool_call && tool_calls) calls.push_back(ollama_tool_call_json(p.call, calls.size()));
  }
  json::object m{{"role", "assistant"}, {"content", text}};
  if (!thinking.empty()) m["thinking"] = thinking;
  if (!calls.empty()) m["tool_calls"] = std::move(calls);
  return m;
}

std::string created_at(const chat_response& r, const ollama_timing& t) {
  if (t.created_at_ns) return format_rfc3339(*t.created_at_ns);
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(r.created, std::int64_t{1'000'000'000}, &ns)) ns = 0;
  return format_rfc3339(ns);
}

}  // namespace

// ---- requests

api_result<chat_request> parse_ollama_chat_request(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  chat_request req;
  if (!o || !parse_chat_body(rd, *o, req)) return rd.take_error();
  return req;
}

api_result<chat_request> parse_ollama_generate_request(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  chat_request req;
  if (!o || !parse_generate_body(rd, *o, req)) return rd.take_error();
  return req;
}

api_result<std::string> write_ollama_chat_request(const chat_request& r, std::string_view model) {
  json::object o;
  o["model"] = model.empty() ? std::string_view(r.model) : model;
  json::array msgs;
  std::map<std::string, std::string> call_names;  // call id -> function name, for tool_name
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    const auto& m = r.messages[i];
    switch (m.role) {
      case message_role::system:
        msgs.push_back(json::object{{"role", "system"}, {"content", joined_text(m.content)}});
        break;
      case message_role::user: {
        json::object jm{{"role", "user"}, {"content", joined_text(m.content)}};
        if (auto e = put_images(m.content, i, jm)) return *e;
        msgs.push_back(std::move(jm));
        break;
      }
      case message_role::assistant: {
        std::string text, thinking;
        json::array calls;
        for (const auto& p : m.content) {
          if (p.kind == part_kind::text) text += p.text;
          if (p.kind == part_kind::reasoning) thinking += p.reasoning.text;
          if (p.kind == part_kind::tool_call) {
            call_names[p.call.id] = p.call.name;
            calls.push_back(ollama_tool_call_json(p.call, calls.size()));
          }
        }
        json::object jm{{"role", "assistant"}, {"content", text}};
        if (!thinking.empty()) jm["thinking"] = thinking;
        if (!calls.empty()) jm["tool_calls"] = std::move(calls);
        msgs.push_back(std::move(jm));
        break;
      }
      case message_role::tool:
        for (const auto& p : m.content) {
          if (p.kind != part_kind::tool_result) continue;
          json::object jm{{"role", "tool"}, {"content", joined_text(p.result.content)}};
          if (auto it = call_names.find(p.result.tool_call_id); it != call_names.end()) jm["tool_name"] = it->second;
          if (!p.result.tool_call_id.empty()) jm["tool_call_id"] = p.result.tool_call_id;
          if (auto e = put_images(p.result.content, i, jm)) return *e;
          msgs.push_back(std::move(jm));
        }
        break;
    }
  }
  o["messages"] = std::move(msgs);

  bool drop_tools = r.choice && r.choice->kind == tool_choice_kind::none;
  if (!r.tools.empty() && r.choice &&
      (r.choice->kind == tool_choice_kind::required || r.choice->kind == tool_choice_kind::tool))
    return api_error{400, "an Ollama target cannot be made to call a tool (tool_choice must be \"auto\" or \"none\")",
                     "invalid_request_error", "tool_choice"};
  if (!r.tools.empty() && !drop_tools) {
    json::array tools;
    for (const auto& t : r.tools) {
      json::object f{{"name", t.name}};
      if (!t.description.empty()) f["description"] = t.description;
      f["parameters"] = t.parameters.empty() ? json::object{{"type", "object"}, {"properties", json::object{}}}
                                             : object_from_text(t.parameters);
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(f)}});
    }
    o["tools"] = std::move(tools);
  }
  if (r.format) {
    if (r.format->kind == response_format_kind::json_object) o["format"] = "json";
    if (r.format->kind == response_format_kind::json_schema) o["format"] = object_from_text(r.format->schema);
  }

  json::object options;
  put_sampling(options, r, "num_predict");
  if (r.source == wire_format::ollama)
    if (auto* extra = r.extra.if_contains("options"); extra && extra->is_object())
      for (const auto& kv : extra->as_object())
        if (!options.contains(kv.key())) options[kv.key()] = kv.value();
  if (!options.empty()) o["options"] = std::move(options);

  if (r.reasoning) {
    const auto& e = r.reasoning->effort;
    if (!r.reasoning->enabled)
      o["think"] = false;
    else if (r.source == wire_format::ollama && (e == "low" || e == "medium" || e == "high"))
      o["think"] = e;
    else
      o["think"] = true;
  }
  o["stream"] = r.stream;
  if (r.source == wire_format::ollama) {
    // members this writer owns never come from `extra` (a generate request may carry them unchecked)
    static constexpr std::string_view owned[] = {"model", "messages", "tools", "format", "options", "think", "stream"};
    for (const auto& kv : r.extra)
      if (std::find(std::begin(owned), std::end(owned), kv.key()) == std::end(owned)) o[kv.key()] = kv.value();
  }
  return json::serialize(o);
}

// ---- responses

finish_info ollama_finish(std::string_view raw) {
  finish_info f;
  f.raw = std::string(raw);
  f.reason = raw == "length" ? finish_reason::length : finish_reason::stop;
  return f;
}

std::string_view ollama_done_reason(const finish_info& f) {
  if (f.raw == "stop" || f.raw == "length" || f.raw == "load" || f.raw == "unload") return f.raw;
  return f.reason == finish_reason::length ? "length" : "stop";
}

namespace {

// A whole answer: model, created_at, the message (chat) or response (generate), done, metrics.
std::string write_final_answer(const chat_response& r, const ollama_timing& t, bool chat) {
  std::string text, thinking;
  std::size_t calls = 0;
  for (const auto& p : r.content) {
    if (p.kind == part_kind::text) text += p.text;
    if (p.kind == part_kind::reasoning) thinking += p.reasoning.text;
    calls += p.kind == part_kind::tool_call;
  }
  json_out w;
  w.begin_object().member("model", r.model).member("created_at", created_at(r, t));
  if (chat && calls > 0) {
    w.key("message").value(response_message(r, true));  // tool calls: rare, and written once
  } else if (chat) {
    w.key("message").begin_object().member("role", "assistant").member("content", text);
    if (!thinking.empty()) w.member("thinking", thinking);
    w.end_object();
  } else {
    w.member("response", text);
    if (!thinking.empty()) w.member("thinking", thinking);
  }
  w.member("done", true).member("done_reason", ollama_done_reason(r.finish));
  for (const auto& [key, value] :
       ollama_metrics(r.usage, t.total_duration, t.load_duration, t.prompt_eval_duration, t.eval_duration))
    w.member(key, value);
  w.end_object();
  return w.take();
}

}  // namespace

std::string write_ollama_chat_response(const chat_response& r, const ollama_timing& t) {
  return write_final_answer(r, t, true);
}

std::string write_ollama_generate_response(const chat_response& r, const ollama_timing& t) {
  return write_final_answer(r, t, false);
}

api_result<chat_response> parse_ollama_response(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "response body");
  if (!o) return rd.take_error();
  if (member(*o, "error")) return parse_ollama_error(502, body);
  chat_response resp;
  std::string created;
  if (!rd.string_member(*o, "model", "", resp.model, limits.max_model_bytes) ||
      !rd.string_member(*o, "created_at", "", created, 64))
    return rd.take_error();
  if (auto ns = parse_rfc3339(created)) resp.created = *ns / 1'000'000'000;
  std::string text, thinking, done_reason;
  std::vector<content_part> calls;
  if (auto* mv = member(*o, "message")) {
    auto* m = rd.object(*mv, "message");
    if (!m) return rd.take_error();
    if (!rd.string_member(*m, "content", "message", text, limits.max_string_bytes) ||
        !rd.string_member(*m, "thinking", "message", thinking, limits.max_string_bytes))
      return rd.take_error();
    if (auto* tc = member(*m, "tool_calls")) {
      std::vector<open_call> open;
      if (!parse_tool_calls(rd, *tc, "message.tool_calls", "", calls, open)) return rd.take_error();
      for (std::size_t i = 0; i < calls.size(); ++i)
        if (open[i].id == std::to_string(i)) calls[i].call.id = ollama_call_id(resp.model + "@" + created, i);
    }
  } else if (!rd.string_member(*o, "response", "", text, limits.max_string_bytes) ||
             !rd.string_member(*o, "thinking", "", thinking, limits.max_string_bytes)) {
    return rd.take_error();
  }
  if (!thinking.empty()) resp.content.push_back(content_part::make_reasoning({std::move(thinking), {}, {}}));
  if (!text.empty()) resp.content.push_back(content_part::make_text(std::move(text)));
  for (auto& c : calls) resp.content.push_back(std::move(c));
  if (!rd.string_member(*o, "done_reason", "", done_reason, limits.max_name_bytes)) return rd.take_error();
  resp.finish = ollama_finish(done_reason.empty() ? "stop" : done_reason);
  if (!calls.empty() && resp.finish.reason == finish_reason::stop) {
    resp.finish.reason = finish_reason::tool_calls;  // Ollama says "stop" after tool calls
    resp.finish.raw.clear();
  }
  resp.usage.input_tokens = ollama_count(*o, "prompt_eval_count");
  resp.usage.output_tokens = ollama_count(*o, "eval_count");
  return resp;
}

}  // namespace sy::api
