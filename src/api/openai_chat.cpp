#include "api/openai_chat.h"

#include <algorithm>
#include <limits>

#include "api/json_out.h"
#include "api/json_read.h"
#include "api/openai_plain_answer.h"
#include "api/openai_wire.h"
#include "api/utf8_text.h"
#include "core/error_types.h"

namespace sy::api {

namespace {

using namespace detail;

constexpr std::int64_t max_int32 = std::numeric_limits<std::int32_t>::max();

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// An image_url.url: an http(s) URL, or `data:<media type>;base64,<payload>`.
bool image_from_url(json_reader& rd, std::string url, std::string_view path, image_ref& out) {
  if (starts_with(url, "data:")) {
    auto marker = url.find(";base64,");
    if (marker == std::string::npos) return rd.fail(path, "a data: URL must be base64 (data:<type>;base64,...)");
    out.source = image_source::base64;
    out.media_type = url.substr(5, marker - 5);
    out.data = url.substr(marker + 8);
    if (out.media_type.empty() || out.media_type.size() > rd.limits().max_name_bytes)
      return rd.fail(path, "a data: URL needs a media type");
    if (out.data.empty()) return rd.fail(path, "empty image data");
    return true;
  }
  if (!starts_with(url, "http://") && !starts_with(url, "https://"))
    return rd.fail(path, "expected an http(s) URL or a base64 data: URL");
  out.source = image_source::url;
  out.url = std::move(url);
  return true;
}

bool parse_image_part(json_reader& rd, const json::object& part, const std::string& path, image_ref& out) {
  auto* iu = member(part, "image_url");
  auto iu_path = path_of(path, "image_url");
  if (!iu) return rd.fail(iu_path, "missing");
  std::string url;
  if (iu->is_string()) {  // some clients send the URL itself
    if (!rd.string(*iu, iu_path, url, rd.limits().max_string_bytes)) return false;
  } else {
    auto* o = rd.object(*iu, iu_path);
    if (!o) return false;
    if (!rd.required_string_member(*o, "url", iu_path, url, rd.limits().max_string_bytes)) return false;
    if (!rd.string_member(*o, "detail", iu_path, out.detail, 16)) return false;
  }
  return image_from_url(rd, std::move(url), path_of(iu_path, "url"), out);
}

// `content` of a message: a string, or an array of parts. Images only where `images` allows.
bool parse_content(json_reader& rd, chat_request& req, const json::value& v, const std::string& path, bool images,
                   std::vector<content_part>& out) {
  auto each = [&](const json::object& part, const std::string& ppath, const std::string& type) {
    if (type == "text" || type == "refusal") {
      std::string text;
      if (!rd.required_string_member(part, type, ppath, text, rd.limits().max_string_bytes)) return false;
      out.push_back(content_part::make_text(std::move(text)));
    } else if (type == "image_url") {
      if (!images) return rd.fail(ppath, "image parts are only allowed in user messages");
      image_ref img;
      if (!parse_image_part(rd, part, ppath, img)) return false;
      out.push_back(content_part::make_image(std::move(img)));
    } else if (type == "input_audio") {
      note_untranslated(req, "input_audio content");
    } else if (type == "file") {
      note_untranslated(req, "file content");
    } else {
      note_untranslated(req, "content type '" + type + "'");
    }
    return true;
  };
  return string_or_parts(rd, v, path, "expected a string or an array of content parts", out, each);
}

bool parse_tool_calls(json_reader& rd, chat_request& req, const json::value& v, const std::string& path,
                      std::vector<content_part>& out) {
  const auto& lim = rd.limits();
  auto* calls = rd.array(v, path, lim.max_tools);
  if (!calls) return false;
  for (std::size_t i = 0; i < calls->size(); ++i) {
    auto cpath = path_of(path, i);
    auto* c = rd.object((*calls)[i], cpath);
    if (!c) return false;
    std::string type = "function";
    if (!rd.string_member(*c, "type", cpath, type, lim.max_name_bytes)) return false;
    if (type != "function") {
      note_untranslated(req, "tool call type '" + type + "'");
      continue;
    }
    tool_call call;
    if (!rd.required_string_member(*c, "id", cpath, call.id, lim.max_name_bytes)) return false;
    auto fpath = path_of(cpath, "function");
    auto* fv = member(*c, "function");
    if (!fv) return rd.fail(fpath, "missing");
    auto* f = rd.object(*fv, fpath);
    if (!f) return false;
    if (!rd.required_string_member(*f, "name", fpath, call.name, lim.max_name_bytes)) return false;
    if (!rd.string_member(*f, "arguments", fpath, call.arguments, lim.max_string_bytes)) return false;
    if (!call.arguments.empty() && !is_json_object_text(call.arguments, lim.max_json_depth))
      return rd.fail(path_of(fpath, "arguments"), "expected the text of a JSON object");
    out.push_back(content_part::make_tool_call(std::move(call)));
  }
  return true;
}

// Signed or redacted reasoning of an assistant turn as `reasoning_details` (empty: none).
json::array reasoning_details_json(const std::vector<content_part>& parts) {
  json::array out;
  bool signed_any = false;
  for (const auto& p : parts) {
    if (p.kind != part_kind::reasoning) continue;
    const auto& r = p.reasoning;
    signed_any = signed_any || !r.signature.empty() || !r.redacted_data.empty();
    if (!r.redacted_data.empty())
      out.push_back(json::object{{"type", "reasoning.encrypted"}, {"data", r.redacted_data}});
    else
      out.push_back(json::object{{"type", "reasoning.text"}, {"text", r.text}, {"signature", r.signature}});
  }
  if (!signed_any) out.clear();  // plain reasoning is dropped, as without the option
  return out;
}

// An assistant message's `reasoning_details`: reasoning parts with their signatures.
bool parse_reasoning_details(json_reader& rd, const json::value& v, const std::string& path,
                             std::vector<content_part>& out) {
  const auto& lim = rd.limits();
  return each_object(rd, v, path, lim.max_parts, [&](const json::object& d, const std::string& dpath) {
    std::string type;
    reasoning_text r;
    if (!rd.required_string_member(d, "type", dpath, type, lim.max_name_bytes)) return false;
    if (type == "reasoning.encrypted") {
      if (!rd.required_string_member(d, "data", dpath, r.redacted_data, lim.max_string_bytes)) return false;
    } else if (type == "reasoning.text") {
      if (!rd.string_member(d, "text", dpath, r.text, lim.max_string_bytes) ||
          !rd.string_member(d, "signature", dpath, r.signature, lim.max_string_bytes))
        return false;
    } else {
      return true;  // summaries and later kinds: nothing to keep
    }
    out.push_back(content_part::make_reasoning(std::move(r)));
    return true;
  });
}

bool parse_message(json_reader& rd, chat_request& req, const json::value& v, const std::string& path) {
  const auto& lim = rd.limits();
  auto* m = rd.object(v, path);
  if (!m) return false;
  std::string role;
  if (!rd.required_string_member(*m, "role", path, role, lim.max_name_bytes)) return false;
  chat_message msg;
  if (!rd.string_member(*m, "name", path, msg.name, lim.max_name_bytes)) return false;
  auto* content = member(*m, "content");
  auto cpath = path_of(path, "content");
  if (role == "system" || role == "developer" || role == "user") {
    msg.role = role == "user" ? message_role::user : message_role::system;
    if (!content) return rd.fail(cpath, "missing");
    if (!parse_content(rd, req, *content, cpath, msg.role == message_role::user, msg.content)) return false;
  } else if (role == "assistant") {
    msg.role = message_role::assistant;
    std::string reasoning;
    if (!rd.string_member(*m, "reasoning_content", path, reasoning, lim.max_string_bytes)) return false;
    if (reasoning.empty() && !rd.string_member(*m, "reasoning", path, reasoning, lim.max_string_bytes)) return false;
    if (auto* details = member(*m, "reasoning_details")) {  // signed reasoning: it replaces the text
      if (!parse_reasoning_details(rd, *details, path_of(path, "reasoning_details"), msg.content)) return false;
    } else if (!reasoning.empty()) {
      msg.content.push_back(content_part::make_reasoning({std::move(reasoning), {}, {}}));
    }
    if (content && !parse_content(rd, req, *content, cpath, false, msg.content)) return false;
    if (auto* tc = member(*m, "tool_calls");
        tc && !parse_tool_calls(rd, req, *tc, path_of(path, "tool_calls"), msg.content))
      return false;
    if (member(*m, "function_call")) note_untranslated(req, "function_call (legacy function calling)");
    if (member(*m, "audio")) note_untranslated(req, "audio");
  } else if (role == "tool") {
    msg.role = message_role::tool;
    tool_result result;
    if (!rd.required_string_member(*m, "tool_call_id", path, result.tool_call_id, lim.max_name_bytes)) return false;
    if (content && !parse_content(rd, req, *content, cpath, false, result.content)) return false;
    msg.content.push_back(content_part::make_tool_result(std::move(result)));
  } else if (role == "function") {
    note_untranslated(req, "function messages (legacy function calling)");
    return true;
  } else {
    return rd.fail(path_of(path, "role"), "unknown role '" + role + "'");
  }
  req.messages.push_back(std::move(msg));
  return true;
}

bool parse_tool_choice(json_reader& rd, chat_request& req, const json::value& v) {
  if (auto* s = v.if_string()) {
    if (*s == "auto")
      req.choice = tool_choice{tool_choice_kind::automatic, {}};
    else if (*s == "none")
      req.choice = tool_choice{tool_choice_kind::none, {}};
    else if (*s == "required")
      req.choice = tool_choice{tool_choice_kind::required, {}};
    else
      return rd.fail("tool_choice", "expected \"auto\", \"none\", \"required\" or an object");
    return true;
  }
  auto* o = rd.object(v, "tool_choice");
  if (!o) return false;
  std::string type;
  if (!rd.string_member(*o, "type", "tool_choice", type, rd.limits().max_name_bytes)) return false;
  if (type != "function") {
    note_untranslated(req, "tool_choice of type '" + type + "'");
    return true;
  }
  auto* fv = member(*o, "function");
  if (!fv) return rd.fail("tool_choice.function", "missing");
  auto* f = rd.object(*fv, "tool_choice.function");
  if (!f) return false;
  tool_choice choice{tool_choice_kind::tool, {}};
  if (!rd.required_string_member(*f, "name", "tool_choice.function", choice.name, rd.limits().max_name_bytes))
    return false;
  req.choice = std::move(choice);
  return true;
}

bool parse_response_format(json_reader& rd, chat_request& req, const json::value& v) {
  auto* o = rd.object(v, "response_format");
  if (!o) return false;
  std::string type;
  if (!rd.required_string_member(*o, "type", "response_format", type, rd.limits().max_name_bytes)) return false;
  response_format fmt;
  if (type == "text") {
    fmt.kind = response_format_kind::text;
  } else if (type == "json_object") {
    fmt.kind = response_format_kind::json_object;
  } else if (type == "json_schema") {
    fmt.kind = response_format_kind::json_schema;
    auto* sv = member(*o, "json_schema");
    if (!sv) return rd.fail("response_format.json_schema", "missing");
    auto* s = rd.object(*sv, "response_format.json_schema");
    if (!s) return false;
    const char* p = "response_format.json_schema";
    if (!rd.required_string_member(*s, "name", p, fmt.name, rd.limits().max_name_bytes)) return false;
    if (!rd.string_member(*s, "description", p, fmt.description, rd.limits().max_string_bytes)) return false;
    if (!rd.object_text_member(*s, "schema", p, fmt.schema)) return false;
    if (!rd.boolean_member(*s, "strict", p, fmt.strict)) return false;
  } else {
    return rd.fail("response_format.type", "unknown type '" + type + "'");
  }
  req.format = std::move(fmt);
  return true;
}

bool parse_request_body(json_reader& rd, const json::object& o, chat_request& req) {
  const auto& lim = rd.limits();
  req.source = wire_format::openai_chat;
  if (!rd.required_string_member(o, "model", "", req.model, lim.max_model_bytes)) return false;
  if (req.model.empty()) return rd.fail("model", "must not be empty");

  auto* mv = member(o, "messages");
  if (!mv) return rd.fail("messages", "missing");
  auto* msgs = rd.array(*mv, "messages", lim.max_messages);
  if (!msgs) return false;
  if (msgs->empty()) return rd.fail("messages", "must not be empty");
  req.messages.reserve(msgs->size());
  for (std::size_t i = 0; i < msgs->size(); ++i)
    if (!parse_message(rd, req, (*msgs)[i], path_of("messages", i))) return false;

  std::optional<bool> flag;
  if (!rd.boolean_member(o, "stream", "", flag)) return false;
  req.stream = flag.value_or(false);
  if (auto* so = member(o, "stream_options")) {
    auto* opts = rd.object(*so, "stream_options");
    if (!opts) return false;
    flag.reset();
    if (!rd.boolean_member(*opts, "include_usage", "stream_options", flag)) return false;
    req.stream_usage = flag.value_or(false);
  }

  auto& s = req.sampling;
  if (!rd.number_member(o, "temperature", "", s.temperature) || !rd.number_member(o, "top_p", "", s.top_p) ||
      !rd.integer_member(o, "top_k", "", s.top_k, -1, max_int32) ||
      !rd.number_member(o, "presence_penalty", "", s.presence_penalty) ||
      !rd.number_member(o, "frequency_penalty", "", s.frequency_penalty) ||
      !rd.integer_member(o, "seed", "", s.seed, std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max()) ||
      !rd.integer_member(o, "max_tokens", "", s.max_tokens, 1, max_int32) ||
      !rd.integer_member(o, "max_completion_tokens", "", s.max_tokens, 1, max_int32))
    return false;

  std::optional<std::int64_t> n;
  if (!rd.integer_member(o, "n", "", n, 1, 128)) return false;
  if (n && *n > 1) note_untranslated(req, "n");
  if (auto* st = member(o, "stop"); st && !rd.stop_sequences(*st, req.stop, "stop")) return false;
  if (auto* t = member(o, "tools"); t && !parse_function_tools(rd, req, *t, {})) return false;
  if (auto* t = member(o, "tool_choice"); t && !parse_tool_choice(rd, req, *t)) return false;
  if (!rd.boolean_member(o, "parallel_tool_calls", "", req.parallel_tool_calls)) return false;
  if (auto* f = member(o, "response_format"); f && !parse_response_format(rd, req, *f)) return false;
  if (!rd.string_member(o, "user", "", req.user, lim.max_name_bytes)) return false;

  std::string effort;
  if (!rd.string_member(o, "reasoning_effort", "", effort, 32)) return false;
  if (auto* r = member(o, "reasoning"); r && effort.empty()) {  // {"effort": ...}, as some clients send it
    auto* ro = rd.object(*r, "reasoning");
    if (!ro || !rd.string_member(*ro, "effort", "reasoning", effort, 32)) return false;
  }
  if (!effort.empty()) {
    reasoning_config rc;
    rc.enabled = effort != "none";
    if (rc.enabled) rc.effort = effort;
    req.reasoning = rc;
  }

  flag.reset();
  if (!rd.boolean_member(o, "logprobs", "", flag)) return false;
  if (flag.value_or(false)) note_untranslated(req, "logprobs");
  if (auto* lb = member(o, "logit_bias"); lb && lb->is_object() && !lb->as_object().empty())
    note_untranslated(req, "logit_bias");
  if (auto* mod = member(o, "modalities"); mod && mod->is_array())
    for (const auto& x : mod->as_array())
      if (x == "audio") note_untranslated(req, "audio");
  if (member(o, "audio")) note_untranslated(req, "audio");
  if (member(o, "web_search_options")) note_untranslated(req, "web_search_options");
  if (member(o, "functions")) note_untranslated(req, "functions (legacy function calling)");
  if (member(o, "function_call")) note_untranslated(req, "function_call (legacy function calling)");

  static constexpr std::string_view known[] = {"model",
                                               "messages",
                                               "stream",
                                               "stream_options",
                                               "temperature",
                                               "top_p",
                                               "top_k",
                                               "presence_penalty",
                                               "frequency_penalty",
                                               "seed",
                                               "max_tokens",
                                               "max_completion_tokens",
                                               "n",
                                               "stop",
                                               "tools",
                                               "tool_choice",
                                               "parallel_tool_calls",
                                               "response_format",
                                               "user",
                                               "reasoning_effort",
                                               "logprobs",
                                               "top_logprobs",
                                               "logit_bias",
                                               "modalities",
                                               "audio",
                                               "web_search_options",
                                               "functions",
                                               "function_call",
                                               "reasoning"};
  for (const auto& kv : o) {
    bool is_known = false;
    for (auto k : known) is_known = is_known || kv.key() == k;
    if (!is_known) req.extra[kv.key()] = kv.value();
  }
  return true;
}

// ---- writing

json::object image_json(const image_ref& img) {
  json::object iu;
  if (img.source == image_source::base64)
    iu["url"] = "data:" + img.media_type + ";base64," + img.data;
  else
    iu["url"] = img.url;
  if (!img.detail.empty()) iu["detail"] = img.detail;
  return json::object{{"type", "image_url"}, {"image_url", std::move(iu)}};
}

json::object tool_call_json(const tool_call& c) {
  return json::object{
      {"id", c.id},
      {"type", "function"},
      {"function", json::object{{"name", c.name}, {"arguments", c.arguments.empty() ? "{}" : c.arguments}}}};
}

}  // namespace

namespace detail {

void put_sampling(json::object& into, const chat_request& r, std::string_view max_tokens_key) {
  for_each_sampling(r, max_tokens_key, [&](std::string_view key, json::value v) { into[key] = std::move(v); });
}

json::object openai_usage_json(const token_usage& u) {
  auto in = u.input_tokens.value_or(0), out = u.output_tokens.value_or(0);
  json::object o{{"prompt_tokens", in}, {"completion_tokens", out}, {"total_tokens", add_counts(in, out)}};
  if (u.cached_input_tokens) o["prompt_tokens_details"] = json::object{{"cached_tokens", *u.cached_input_tokens}};
  if (u.reasoning_tokens) o["completion_tokens_details"] = json::object{{"reasoning_tokens", *u.reasoning_tokens}};
  return o;
}

void read_openai_usage(const json::object& u, token_usage& out) {
  auto count = [](const json::object& o, std::string_view key) -> std::optional<std::int64_t> {
    auto* v = member(o, key);
    if (!v) return std::nullopt;
    if (auto* i = v->if_int64(); i && *i >= 0) return *i;
    if (auto* x = v->if_uint64(); x && *x <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(*x);
    return std::nullopt;
  };
  out.input_tokens = count(u, "prompt_tokens");
  out.output_tokens = count(u, "completion_tokens");
  if (auto* d = member(u, "prompt_tokens_details"); d && d->is_object())
    out.cached_input_tokens = count(d->as_object(), "cached_tokens");
  if (auto* d = member(u, "completion_tokens_details"); d && d->is_object())
    out.reasoning_tokens = count(d->as_object(), "reasoning_tokens");
}

}  // namespace detail

// ---- requests

api_result<chat_request> parse_openai_request(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  chat_request req;
  if (!o || !parse_request_body(rd, *o, req)) return rd.take_error();
  return req;
}

namespace {

// Content as text_content() makes it, written in place.
void write_text_content(json_out& w, const std::vector<content_part>& parts) {
  std::size_t texts = 0;
  for (const auto& p : parts) texts += p.kind == part_kind::text;
  if (texts <= 1) {
    std::string_view only;
    for (const auto& p : parts)
      if (p.kind == part_kind::text) only = p.text;
    w.string(only);
    return;
  }
  w.begin_array();
  for (const auto& p : parts)
    if (p.kind == part_kind::text) w.begin_object().member("type", "text").member("text", p.text).end_object();
  w.end_array();
}

void write_user_content(json_out& w, const std::vector<content_part>& parts) {
  bool images = false;
  for (const auto& p : parts) images = images || p.kind == part_kind::image;
  if (!images) return write_text_content(w, parts);
  w.begin_array();
  for (const auto& p : parts) {
    if (p.kind == part_kind::text) w.begin_object().member("type", "text").member("text", p.text).end_object();
    if (p.kind == part_kind::image) w.value(image_json(p.image));
  }
  w.end_array();
}

// The top-level members write_openai_request may write: `extra` never repeats them.
constexpr std::string_view written_members[] = {"model",
                                                "messages",
                                                "temperature",
                                                "top_p",
                                                "top_k",
                                                "max_tokens",
                                                "seed",
                                                "presence_penalty",
                                                "frequency_penalty",
                                                "stop",
                                                "tools",
                                                "tool_choice",
                                                "parallel_tool_calls",
                                                "response_format",
                                                "reasoning_effort",
                                                "user",
                                                "stream",
                                                "stream_options"};

}  // namespace

api_result<std::string> write_openai_request(const chat_request& r, const openai_write_options& options) {
  json_out w;
  w.begin_object().member("model", options.model.empty() ? std::string_view(r.model) : options.model);
  w.key("messages").begin_array();
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    const auto& m = r.messages[i];
    w.begin_object();
    switch (m.role) {
      case message_role::system:
        w.member("role", "system").key("content");
        write_text_content(w, m.content);
        break;
      case message_role::user:
        w.member("role", "user").key("content");
        write_user_content(w, m.content);
        break;
      case message_role::assistant: {
        w.member("role", "assistant");
        std::size_t texts = 0, calls = 0;
        for (const auto& p : m.content) {
          texts += p.kind == part_kind::text;
          calls += p.kind == part_kind::tool_call;
        }
        w.key("content");
        if (texts > 0 || calls == 0)
          write_text_content(w, m.content);
        else
          w.null();
        if (calls > 0) {
          w.key("tool_calls").begin_array();
          for (const auto& p : m.content) {
            if (p.kind != part_kind::tool_call) continue;
            w.begin_object().member("id", p.call.id).member("type", "function").key("function").begin_object();
            w.member("name", p.call.name).member("arguments", p.call.arguments.empty() ? "{}" : p.call.arguments);
            w.end_object().end_object();
          }
          w.end_array();
        }
        break;
      }
      case message_role::tool: {
        w.member("role", "tool");
        const tool_result* result = nullptr;  // the last one counts, as it always did
        for (const auto& p : m.content) {
          if (p.kind != part_kind::tool_result) continue;
          for (const auto& q : p.result.content)
            if (q.kind == part_kind::image)
              return api_error{
                  400,
                  "messages[" + std::to_string(i) + "]: an OpenAI-compatible target cannot take images in tool results",
                  "invalid_request_error", "tool_result image"};
          result = &p.result;
        }
        if (result) {
          w.member("tool_call_id", result->tool_call_id).key("content");
          write_text_content(w, result->content);
        }
        break;
      }
    }
    if (!m.name.empty()) w.member("name", m.name);
    w.end_object();
  }
  w.end_array();
  for_each_sampling(r, "max_tokens", [&](std::string_view key, const json::value& v) { w.key(key).value(v); });
  if (!r.tools.empty()) {
    w.key("tools").begin_array();
    for (const auto& t : r.tools) {
      w.begin_object().member("type", "function").key("function").begin_object().member("name", t.name);
      if (!t.description.empty()) w.member("description", t.description);
      if (!t.parameters.empty()) w.key("parameters").value(object_from_text(t.parameters));
      if (t.strict) w.member("strict", *t.strict);
      w.end_object().end_object();
    }
    w.end_array();
    if (r.choice) {
      switch (r.choice->kind) {
        case tool_choice_kind::automatic: w.member("tool_choice", "auto"); break;
        case tool_choice_kind::none: w.member("tool_choice", "none"); break;
        case tool_choice_kind::required: w.member("tool_choice", "required"); break;
        case tool_choice_kind::tool:
          w.key("tool_choice").begin_object().member("type", "function").key("function").begin_object();
          w.member("name", r.choice->name).end_object().end_object();
          break;
      }
    }
    if (r.parallel_tool_calls) w.member("parallel_tool_calls", *r.parallel_tool_calls);
  }
  if (r.format) {
    const auto& f = *r.format;
    switch (f.kind) {
      case response_format_kind::text:
        w.key("response_format").begin_object().member("type", "text").end_object();
        break;
      case response_format_kind::json_object:
        w.key("response_format").begin_object().member("type", "json_object").end_object();
        break;
      case response_format_kind::json_schema: {
        w.key("response_format").begin_object().member("type", "json_schema").key("json_schema").begin_object();
        w.member("name", f.name);
        if (!f.description.empty()) w.member("description", f.description);
        w.key("schema").value(object_from_text(f.schema));
        if (f.strict) w.member("strict", *f.strict);
        w.end_object().end_object();
        break;
      }
    }
  }
  if (r.reasoning && r.reasoning->enabled) {
    if (!r.reasoning->effort.empty())
      w.member("reasoning_effort", r.reasoning->effort);
    else if (r.reasoning->budget_tokens)
      w.member("reasoning_effort", effort_for_budget(*r.reasoning->budget_tokens));
  }
  if (!r.user.empty()) w.member("user", r.user);
  if (r.stream) {
    w.member("stream", true);
    if (r.stream_usage) w.key("stream_options").begin_object().member("include_usage", true).end_object();
  }
  if (r.source == wire_format::openai_chat)
    for (const auto& kv : r.extra)
      if (std::find(std::begin(written_members), std::end(written_members), std::string_view(kv.key())) ==
          std::end(written_members))
        w.key(kv.key()).value(kv.value());
  w.end_object();
  return w.take();
}

finish_info openai_finish(std::string_view raw) {
  finish_info f;
  f.raw = std::string(raw);
  if (raw == "length")
    f.reason = finish_reason::length;
  else if (raw == "tool_calls" || raw == "function_call")
    f.reason = finish_reason::tool_calls;
  else if (raw == "content_filter")
    f.reason = finish_reason::content_filter;
  else
    f.reason = finish_reason::stop;
  return f;
}

std::string_view openai_finish_reason(const finish_info& f) {
  if (f.raw == "stop" || f.raw == "length" || f.raw == "tool_calls" || f.raw == "content_filter") return f.raw;
  switch (f.reason) {
    case finish_reason::length: return "length";
    case finish_reason::tool_calls: return "tool_calls";
    case finish_reason::content_filter: return "content_filter";
    default: return "stop";
  }
}

api_result<chat_response> parse_openai_response(std::string_view body, const parse_limits& limits) {
  if (auto plain = read_plain_openai_answer(body, limits)) return std::move(*plain);
  return parse_openai_response_tree(body, limits);
}

api_result<chat_response> detail::parse_openai_response_tree(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "response body");
  if (!o) return rd.take_error();
  chat_response resp;
  std::optional<std::int64_t> created;
  if (!rd.string_member(*o, "id", "", resp.id, limits.max_name_bytes) ||
      !rd.string_member(*o, "model", "", resp.model, limits.max_model_bytes) ||
      !rd.integer_member(*o, "created", "", created, 0, std::numeric_limits<std::int64_t>::max()))
    return rd.take_error();
  resp.created = created.value_or(0);
  auto* cv = member(*o, "choices");
  if (!cv) return api_error{502, "upstream reply has no choices", "api_error", {}};
  auto* choices = rd.array(*cv, "choices", 1024);
  if (!choices) return rd.take_error();
  if (choices->empty()) return api_error{502, "upstream reply has no choices", "api_error", {}};
  auto* choice = rd.object((*choices)[0], "choices[0]");
  if (!choice) return rd.take_error();
  auto* mv = member(*choice, "message");
  if (!mv) return api_error{502, "upstream reply: choices[0].message: missing", "api_error", {}};
  auto* m = rd.object(*mv, "choices[0].message");
  if (!m) return rd.take_error();

  chat_request scratch;  // collects untranslated parts, which a reply cannot refuse
  const std::string mpath = "choices[0].message";
  std::string reasoning;
  if (!rd.string_member(*m, "reasoning_content", mpath, reasoning, limits.max_string_bytes)) return rd.take_error();
  if (reasoning.empty() && !rd.string_member(*m, "reasoning", mpath, reasoning, limits.max_string_bytes))
    return rd.take_error();
  if (auto* details = member(*m, "reasoning_details")) {  // signed reasoning: it replaces the text
    if (!parse_reasoning_details(rd, *details, mpath + ".reasoning_details", resp.content)) return rd.take_error();
  } else if (!reasoning.empty()) {
    resp.content.push_back(content_part::make_reasoning({std::move(reasoning), {}, {}}));
  }
  if (auto* c = member(*m, "content"); c && !parse_content(rd, scratch, *c, mpath + ".content", false, resp.content))
    return rd.take_error();
  std::string refusal;
  if (!rd.string_member(*m, "refusal", mpath, refusal, limits.max_string_bytes)) return rd.take_error();
  if (!refusal.empty()) resp.content.push_back(content_part::make_text(std::move(refusal)));
  if (auto* tc = member(*m, "tool_calls");
      tc && !parse_tool_calls(rd, scratch, *tc, mpath + ".tool_calls", resp.content))
    return rd.take_error();

  std::string finish;
  if (!rd.string_member(*choice, "finish_reason", "choices[0]", finish, limits.max_name_bytes)) return rd.take_error();
  if (!finish.empty()) resp.finish = openai_finish(finish);
  if (auto* u = member(*o, "usage"); u && u->is_object()) read_openai_usage(u->as_object(), resp.usage);
  return resp;
}

std::string write_openai_response(const chat_response& r) {
  json::object msg{{"role", "assistant"}};
  std::string text, reasoning;
  bool any_text = false;
  json::array calls;
  for (const auto& p : r.content) {
    if (p.kind == part_kind::text) {
      text += p.text;
      any_text = true;
    } else if (p.kind == part_kind::reasoning) {
      reasoning += p.reasoning.text;
    } else if (p.kind == part_kind::tool_call) {
      calls.push_back(tool_call_json(p.call));
    }
  }
  if (any_text || calls.empty())
    msg["content"] = text;
  else
    msg["content"] = nullptr;
  if (!reasoning.empty()) msg["reasoning_content"] = reasoning;
  if (auto details = reasoning_details_json(r.content); !details.empty()) msg["reasoning_details"] = std::move(details);
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  msg["refusal"] = nullptr;
  json::object choice{{"index", 0},
                      {"message", std::move(msg)},
                      {"logprobs", nullptr},
                      {"finish_reason", openai_finish_reason(r.finish)}};
  json::object o{{"id", r.id},
                 {"object", "chat.completion"},
                 {"created", r.created},
                 {"model", r.model},
                 {"choices", json::array{std::move(choice)}},
                 {"usage", openai_usage_json(r.usage)}};
  return json::serialize(o);
}

}  // namespace sy::api
