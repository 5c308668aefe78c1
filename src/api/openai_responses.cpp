// OpenAI Responses: the request parser and the answer writer (see openai_responses.h).
#include "api/openai_responses.h"

#include <limits>

#include "api/json_read.h"
#include "api/responses_wire.h"

namespace sy::api {

namespace detail {

void write_responses_usage(json_out& w, const token_usage& u) {
  if (u.empty()) {
    w.null();
    return;
  }
  auto in = u.input_tokens.value_or(0), out = u.output_tokens.value_or(0);
  w.begin_object().member("input_tokens", in);
  w.key("input_tokens_details").begin_object().member("cached_tokens", u.cached_input_tokens.value_or(0)).end_object();
  w.member("output_tokens", out);
  w.key("output_tokens_details").begin_object().member("reasoning_tokens", u.reasoning_tokens.value_or(0)).end_object();
  w.member("total_tokens", add_counts(in, out)).end_object();
}

std::string_view responses_incomplete_reason(const finish_info& f) {
  switch (f.reason) {
    case finish_reason::length: return "max_output_tokens";
    case finish_reason::content_filter: return "content_filter";
    default: return {};
  }
}

void write_responses_object(json_out& w, const responses_object_fields& f,
                            const std::function<void(json_out&)>& output) {
  // the request's own value of `key`, or the API's default (written by `fallback`)
  auto echoed = [&](std::string_view key, auto fallback) {
    w.key(key);
    if (auto* v = f.echo ? f.echo->if_contains(key) : nullptr)
      w.value(*v);
    else
      fallback();
  };
  auto null = [&] { w.null(); };
  w.begin_object().member("id", f.id).member("object", "response").member("created_at", f.created_at);
  w.member("status", f.status).member("background", false).key("error");
  if (f.error)
    w.begin_object().member("code", f.error_code).member("message", f.error->message).end_object();
  else
    w.null();
  w.key("incomplete_details");
  if (!f.incomplete_reason.empty())
    w.begin_object().member("reason", f.incomplete_reason).end_object();
  else
    w.null();
  echoed("instructions", null);
  echoed("max_output_tokens", null);
  echoed("metadata", [&] { w.begin_object().end_object(); });
  w.member("model", f.model).key("output").begin_array();
  if (output) output(w);
  w.end_array();
  echoed("parallel_tool_calls", [&] { w.boolean(true); });
  w.key("previous_response_id").null();
  echoed("reasoning", [&] { w.begin_object().key("effort").null().key("summary").null().end_object(); });
  w.member("store", false);  // nothing is stored: previous_response_id cannot refer to it
  echoed("temperature", null);
  echoed("text",
         [&] { w.begin_object().key("format").begin_object().member("type", "text").end_object().end_object(); });
  echoed("tool_choice", [&] { w.string("auto"); });
  echoed("tools", [&] { w.begin_array().end_array(); });
  echoed("top_p", null);
  w.member("truncation", "disabled").key("usage");
  if (f.usage)
    write_responses_usage(w, *f.usage);
  else
    w.null();
  echoed("user", null);
  w.end_object();
}

void write_responses_output_text(json_out& w, std::string_view text) {
  w.begin_object().member("type", "output_text").member("text", text);
  w.key("annotations").begin_array().end_array().key("logprobs").begin_array().end_array().end_object();
}

void write_responses_reasoning_text(json_out& w, std::string_view text) {
  w.begin_object().member("type", "reasoning_text").member("text", text).end_object();
}

void write_responses_message_item(json_out& w, std::string_view id, std::string_view text, std::string_view status) {
  w.begin_object().member("id", id).member("type", "message").member("status", status).member("role", "assistant");
  w.key("content").begin_array();
  if (status != "in_progress") write_responses_output_text(w, text);
  w.end_array().end_object();
}

void write_responses_reasoning_item(json_out& w, std::string_view id, std::string_view text, std::string_view status) {
  w.begin_object().member("id", id).member("type", "reasoning").member("status", status);
  w.key("summary").begin_array().end_array().key("content").begin_array();
  if (status != "in_progress") write_responses_reasoning_text(w, text);
  w.end_array().end_object();
}

void write_responses_function_call_item(json_out& w, std::string_view id, std::string_view call_id,
                                        std::string_view name, std::string_view arguments, std::string_view status) {
  w.begin_object().member("id", id).member("type", "function_call").member("status", status);
  w.member("call_id", call_id).member("name", name).member("arguments", arguments).end_object();
}

std::string responses_item_id(std::string_view prefix, std::string_view response_id, std::size_t output_index) {
  if (response_id.starts_with("resp_")) response_id.remove_prefix(5);
  std::string id(prefix);
  id += '_';
  id += response_id;
  id += '_';
  id += std::to_string(output_index);
  return id;
}

}  // namespace detail

namespace {

using namespace detail;

constexpr std::int64_t max_int32 = std::numeric_limits<std::int32_t>::max();

// Where content parts occur; decides which parts are allowed.
enum class part_context { user, system, assistant, tool_output };

// input_image: `image_url` (an http(s) URL or a base64 data: URL) or `file_id` (untranslated).
bool parse_input_image(json_reader& rd, chat_request& req, const json::object& p, const std::string& path,
                       std::vector<content_part>& out) {
  const auto& lim = rd.limits();
  image_ref img;
  std::string url;
  if (!rd.string_member(p, "image_url", path, url, lim.max_string_bytes) ||
      !rd.string_member(p, "detail", path, img.detail, 16))
    return false;
  if (url.empty()) {
    if (member(p, "file_id")) {
      note_untranslated(req, "input_image file_id");
      return true;
    }
    return rd.fail(path_of(path, "image_url"), "missing");
  }
  auto upath = path_of(path, "image_url");
  if (url.starts_with("data:")) {
    auto marker = url.find(";base64,");
    if (marker == std::string::npos) return rd.fail(upath, "a data: URL must be base64 (data:<type>;base64,...)");
    img.source = image_source::base64;
    img.media_type = url.substr(5, marker - 5);
    img.data = url.substr(marker + 8);
    if (img.media_type.empty() || img.media_type.size() > lim.max_name_bytes)
      return rd.fail(upath, "a data: URL needs a media type");
    if (img.data.empty()) return rd.fail(upath, "empty image data");
  } else if (url.starts_with("http://") || url.starts_with("https://")) {
    img.url = std::move(url);
  } else {
    return rd.fail(upath, "expected an http(s) URL or a base64 data: URL");
  }
  out.push_back(content_part::make_image(std::move(img)));
  return true;
}

// A message's `content` or a function_call_output's `output`: a string, or an array of parts.
bool parse_parts(json_reader& rd, chat_request& req, const json::value& v, const std::string& path, part_context ctx,
                 std::vector<content_part>& out) {
  auto each = [&](const json::object& p, const std::string& ppath, const std::string& type) {
    if (type == "input_text" || type == "output_text" || type == "refusal") {
      const char* key = type == "refusal" ? "refusal" : "text";
      std::string text;
      if (!rd.required_string_member(p, key, ppath, text, rd.limits().max_string_bytes)) return false;
      out.push_back(content_part::make_text(std::move(text)));
    } else if (type == "input_image") {
      if (ctx != part_context::user && ctx != part_context::tool_output)
        return rd.fail(ppath, "input_image parts are only allowed in user messages and function_call_output");
      if (!parse_input_image(rd, req, p, ppath, out)) return false;
    } else if (type == "input_file" || type == "input_audio") {
      note_untranslated(req, type + " content");
    } else {
      note_untranslated(req, "content type '" + type + "'");
    }
    return true;
  };
  return string_or_parts(rd, v, path, "expected a string or an array of content parts", out, each);
}

// The assistant message a function_call or reasoning item belongs to: the last message when it
// is an assistant's, else a new one.
chat_message& assistant_turn(chat_request& req) {
  if (req.messages.empty() || req.messages.back().role != message_role::assistant) {
    chat_message m;
    m.role = message_role::assistant;
    req.messages.push_back(std::move(m));
  }
  return req.messages.back();
}

bool only_reasoning(const chat_message& m) {
  for (const auto& p : m.content)
    if (p.kind != part_kind::reasoning) return false;
  return true;
}

bool parse_message_item(json_reader& rd, chat_request& req, const json::object& it, const std::string& path) {
  const auto& lim = rd.limits();
  std::string role;
  if (!rd.required_string_member(it, "role", path, role, lim.max_name_bytes)) return false;
  chat_message msg;
  part_context ctx;
  if (role == "user") {
    msg.role = message_role::user;
    ctx = part_context::user;
  } else if (role == "system" || role == "developer") {
    msg.role = message_role::system;
    ctx = part_context::system;
  } else if (role == "assistant") {
    msg.role = message_role::assistant;
    ctx = part_context::assistant;
  } else {
    return rd.fail(path_of(path, "role"), "expected \"user\", \"assistant\", \"system\" or \"developer\"");
  }
  auto* content = member(it, "content");
  if (!content) return rd.fail(path_of(path, "content"), "missing");
  if (!parse_parts(rd, req, *content, path_of(path, "content"), ctx, msg.content)) return false;
  if (msg.role == message_role::assistant && !req.messages.empty() &&
      req.messages.back().role == message_role::assistant && only_reasoning(req.messages.back())) {
    // the reasoning item that preceded this answer belongs to the same turn
    for (auto& p : msg.content) req.messages.back().content.push_back(std::move(p));
    return true;
  }
  req.messages.push_back(std::move(msg));
  return true;
}

bool parse_function_call_item(json_reader& rd, const json::object& it, const std::string& path, chat_request& req) {
  const auto& lim = rd.limits();
  tool_call call;
  for (const char* key : {"call_id", "name", "arguments"})
    if (!member(it, key)) return rd.fail(path_of(path, key), "missing");
  if (!rd.string_member(it, "call_id", path, call.id, lim.max_name_bytes) ||
      !rd.string_member(it, "name", path, call.name, lim.max_name_bytes) ||
      !rd.string_member(it, "arguments", path, call.arguments, lim.max_string_bytes))
    return false;
  if (call.id.empty()) return rd.fail(path_of(path, "call_id"), "must not be empty");
  if (call.name.empty()) return rd.fail(path_of(path, "name"), "must not be empty");
  if (!call.arguments.empty() && !is_json_object_text(call.arguments, lim.max_json_depth))
    return rd.fail(path_of(path, "arguments"), "expected the text of a JSON object");
  assistant_turn(req).content.push_back(content_part::make_tool_call(std::move(call)));
  return true;
}

bool parse_function_call_output_item(json_reader& rd, chat_request& req, const json::object& it,
                                     const std::string& path) {
  tool_result r;
  if (!rd.required_string_member(it, "call_id", path, r.tool_call_id, rd.limits().max_name_bytes)) return false;
  if (r.tool_call_id.empty()) return rd.fail(path_of(path, "call_id"), "must not be empty");
  auto* output = member(it, "output");
  if (!output) return rd.fail(path_of(path, "output"), "missing");
  if (!parse_parts(rd, req, *output, path_of(path, "output"), part_context::tool_output, r.content)) return false;
  chat_message m;
  m.role = message_role::tool;
  m.content.push_back(content_part::make_tool_result(std::move(r)));
  req.messages.push_back(std::move(m));
  return true;
}

// A reasoning item sent back: its reasoning_text content, else its summary texts. (Encrypted
// content is opaque to every target here and is dropped.)
bool parse_reasoning_item(json_reader& rd, const json::object& it, const std::string& path, chat_request& req) {
  const auto& lim = rd.limits();
  reasoning_text r;
  for (const char* key : {"content", "summary"}) {
    auto* v = member(it, key);
    if (!v) continue;
    auto kpath = path_of(path, key);
    auto* a = rd.array(*v, kpath, lim.max_parts);
    if (!a) return false;
    for (std::size_t i = 0; i < a->size(); ++i) {
      auto ppath = path_of(kpath, i);
      auto* p = rd.object((*a)[i], ppath);
      if (!p) return false;
      std::string text;
      if (!rd.string_member(*p, "text", ppath, text, lim.max_string_bytes)) return false;
      if (!r.text.empty() && !text.empty()) r.text += "\n\n";
      r.text += text;
    }
    if (!r.text.empty()) break;
  }
  if (!r.text.empty()) assistant_turn(req).content.push_back(content_part::make_reasoning(std::move(r)));
  return true;
}

bool parse_input(json_reader& rd, chat_request& req, const json::value& v) {
  const auto& lim = rd.limits();
  if (v.is_string()) {
    std::string text;
    if (!rd.string(v, "input", text, lim.max_string_bytes)) return false;
    chat_message m;
    m.content.push_back(content_part::make_text(std::move(text)));
    req.messages.push_back(std::move(m));
    return true;
  }
  if (!v.is_array()) return rd.fail("input", "expected a string or an array of input items");
  auto* items = rd.array(v, "input", lim.max_messages);
  if (!items) return false;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto path = path_of("input", i);
    auto* it = rd.object((*items)[i], path);
    if (!it) return false;
    std::string type = "message";  // easy input messages may leave the type out
    if (!rd.string_member(*it, "type", path, type, lim.max_name_bytes)) return false;
    bool ok = true;
    if (type == "message")
      ok = parse_message_item(rd, req, *it, path);
    else if (type == "function_call")
      ok = parse_function_call_item(rd, *it, path, req);
    else if (type == "function_call_output")
      ok = parse_function_call_output_item(rd, req, *it, path);
    else if (type == "reasoning")
      ok = parse_reasoning_item(rd, *it, path, req);
    else if (type == "item_reference")
      note_untranslated(req, "item_reference input items");
    else
      note_untranslated(req, "input items of type '" + type + "'");
    if (!ok) return false;
    if (req.messages.size() > lim.max_messages) return rd.fail("input", "too many items");
  }
  return true;
}

bool parse_tools(json_reader& rd, chat_request& req, const json::value& v) {
  const auto& lim = rd.limits();
  return each_object(rd, v, "tools", lim.max_tools, [&](const json::object& t, const std::string& tpath) {
    std::string type;
    if (!rd.required_string_member(t, "type", tpath, type, lim.max_name_bytes)) return false;
    if (type != "function") {
      note_untranslated(req, "tools of type '" + type + "'");
      return true;
    }
    tool_definition def;
    if (!read_function_definition(rd, t, tpath, def) || !rd.boolean_member(t, "strict", tpath, def.strict))
      return false;
    req.tools.push_back(std::move(def));
    return true;
  });
}

bool parse_tool_choice(json_reader& rd, chat_request& req, const json::value& v) {
  tool_choice c;
  if (v.is_string()) {
    std::string s;
    if (!rd.string(v, "tool_choice", s, rd.limits().max_name_bytes)) return false;
    if (s == "auto")
      c.kind = tool_choice_kind::automatic;
    else if (s == "none")
      c.kind = tool_choice_kind::none;
    else if (s == "required")
      c.kind = tool_choice_kind::required;
    else
      return rd.fail("tool_choice", "expected \"auto\", \"none\", \"required\" or an object");
    req.choice = c;
    return true;
  }
  auto* o = rd.object(v, "tool_choice");
  if (!o) return false;
  std::string type;
  if (!rd.required_string_member(*o, "type", "tool_choice", type, rd.limits().max_name_bytes)) return false;
  if (type != "function") {
    note_untranslated(req, "tool_choice of type '" + type + "'");
    return true;
  }
  c.kind = tool_choice_kind::tool;
  if (!rd.required_string_member(*o, "name", "tool_choice", c.name, rd.limits().max_name_bytes)) return false;
  req.choice = std::move(c);
  return true;
}

bool parse_text(json_reader& rd, chat_request& req, const json::value& v) {
  auto* o = rd.object(v, "text");
  if (!o) return false;
  auto* fv = member(*o, "format");
  if (!fv) return true;  // e.g. only a verbosity hint
  auto* f = rd.object(*fv, "text.format");
  if (!f) return false;
  std::string type;
  if (!rd.required_string_member(*f, "type", "text.format", type, rd.limits().max_name_bytes)) return false;
  response_format rf;
  if (type == "text") {
    rf.kind = response_format_kind::text;
  } else if (type == "json_object") {
    rf.kind = response_format_kind::json_object;
  } else if (type == "json_schema") {
    rf.kind = response_format_kind::json_schema;
    if (!member(*f, "name")) return rd.fail("text.format.name", "missing");
    if (!member(*f, "schema")) return rd.fail("text.format.schema", "missing");
    if (!rd.string_member(*f, "name", "text.format", rf.name, rd.limits().max_name_bytes) ||
        !rd.string_member(*f, "description", "text.format", rf.description, rd.limits().max_string_bytes) ||
        !rd.object_text_member(*f, "schema", "text.format", rf.schema) ||
        !rd.boolean_member(*f, "strict", "text.format", rf.strict))
      return false;
  } else {
    return rd.fail("text.format.type", "expected \"text\", \"json_object\" or \"json_schema\"");
  }
  req.format = std::move(rf);
  return true;
}

bool parse_reasoning(json_reader& rd, chat_request& req, const json::value& v) {
  auto* o = rd.object(v, "reasoning");
  if (!o) return false;
  reasoning_config rc;
  if (!rd.string_member(*o, "effort", "reasoning", rc.effort, rd.limits().max_name_bytes)) return false;
  if (rc.effort.empty()) return true;
  if (rc.effort == "none") {
    rc.enabled = false;
    rc.effort.clear();
  } else if (rc.effort != "minimal" && rc.effort != "low" && rc.effort != "medium" && rc.effort != "high" &&
             rc.effort != "xhigh") {
    return rd.fail("reasoning.effort", "expected \"none\", \"minimal\", \"low\", \"medium\", \"high\" or \"xhigh\"");
  }
  req.reasoning = std::move(rc);
  return true;
}

// `include` values: reasoning.encrypted_content asks for something this gateway never makes and
// is harmless to leave out; every other value asks for output that would be missing.
bool parse_include(json_reader& rd, chat_request& req, const json::value& v) {
  auto* a = rd.array(v, "include", 64);
  if (!a) return false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    std::string s;
    if (!rd.string((*a)[i], path_of("include", i), s, rd.limits().max_name_bytes)) return false;
    if (s != "reasoning.encrypted_content") note_untranslated(req, "include '" + s + "'");
  }
  return true;
}

// Members of the request: handled here, echoed in the answer, dropped as harmless, or refused.
constexpr std::string_view echoed_members[] = {"instructions", "max_output_tokens",
                                               "metadata",     "parallel_tool_calls",
                                               "reasoning",    "temperature",
                                               "text",         "tool_choice",
                                               "tools",        "top_p",
                                               "user"};
constexpr std::string_view handled_members[] = {"model", "input", "stream", "include", "background", "truncation"};
constexpr std::string_view dropped_members[] = {
    "metadata",          "store",          "service_tier",  "prompt_cache_key", "prompt_cache_retention",
    "safety_identifier", "stream_options", "max_tool_calls"};
constexpr std::string_view stateful_members[] = {"previous_response_id", "conversation", "prompt", "top_logprobs",
                                                 "context_management"};

template <std::size_t N>
bool one_of(std::string_view key, const std::string_view (&list)[N]) {
  for (auto k : list)
    if (k == key) return true;
  return false;
}

bool parse_request_body(json_reader& rd, const json::object& o, chat_request& req) {
  const auto& lim = rd.limits();
  req.source = wire_format::openai_chat;  // the nearest wire; extra stays empty (nothing passes through)
  if (!rd.required_string_member(o, "model", "", req.model, lim.max_model_bytes)) return false;
  if (req.model.empty()) return rd.fail("model", "must not be empty");

  std::string instructions;
  if (!rd.string_member(o, "instructions", "", instructions, lim.max_string_bytes)) return false;
  if (!instructions.empty()) {
    chat_message sys;
    sys.role = message_role::system;
    sys.content.push_back(content_part::make_text(std::move(instructions)));
    req.messages.push_back(std::move(sys));
  }
  auto* input = member(o, "input");
  if (!input) return rd.fail("input", "missing");
  if (!parse_input(rd, req, *input)) return false;
  if (req.messages.empty() && req.untranslated.empty()) return rd.fail("input", "must not be empty");

  std::optional<bool> flag;
  if (!rd.boolean_member(o, "stream", "", flag)) return false;
  req.stream = flag.value_or(false);
  req.stream_usage = req.stream;  // response.completed always carries usage
  if (!rd.number_member(o, "temperature", "", req.sampling.temperature) ||
      !rd.number_member(o, "top_p", "", req.sampling.top_p) ||
      !rd.integer_member(o, "max_output_tokens", "", req.sampling.max_tokens, 1, max_int32) ||
      !rd.boolean_member(o, "parallel_tool_calls", "", req.parallel_tool_calls) ||
      !rd.string_member(o, "user", "", req.user, lim.max_name_bytes))
    return false;
  if (auto* t = member(o, "tools"); t && !parse_tools(rd, req, *t)) return false;
  if (auto* t = member(o, "tool_choice"); t && !parse_tool_choice(rd, req, *t)) return false;
  if (auto* t = member(o, "text"); t && !parse_text(rd, req, *t)) return false;
  if (auto* r = member(o, "reasoning"); r && !parse_reasoning(rd, req, *r)) return false;
  if (auto* in = member(o, "include"); in && !parse_include(rd, req, *in)) return false;
  if (auto* md = member(o, "metadata"); md && !rd.object(*md, "metadata")) return false;
  flag.reset();
  if (!rd.boolean_member(o, "background", "", flag)) return false;
  if (flag.value_or(false)) note_untranslated(req, "background");
  std::string truncation;
  if (!rd.string_member(o, "truncation", "", truncation, lim.max_name_bytes)) return false;
  if (!truncation.empty() && truncation != "disabled") note_untranslated(req, "truncation '" + truncation + "'");

  for (const auto& kv : o) {
    std::string_view key = kv.key();
    if (one_of(key, echoed_members) || one_of(key, handled_members) || one_of(key, dropped_members)) continue;
    if (one_of(key, stateful_members)) {
      if (!kv.value().is_null()) note_untranslated(req, std::string(key));
    } else {
      note_untranslated(req, "parameter '" + std::string(key.substr(0, 64)) + "'");
    }
  }
  return true;
}

}  // namespace

api_result<chat_request> parse_responses_request(std::string_view body, const parse_limits& limits,
                                                 responses_echo* echo) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  chat_request req;
  if (!o || !parse_request_body(rd, *o, req)) return rd.take_error();
  if (echo) {
    echo->clear();
    for (auto key : echoed_members)
      if (auto* v = member(*o, key)) echo->emplace(key, *v);
  }
  return req;
}

std::string responses_id(std::string_view upstream_id, std::string_view fallback) {
  std::string id = "resp_";
  for (char c : upstream_id.substr(0, 64))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') id += c;
  if (id.size() == 5) id.append(fallback.substr(0, 64));
  return id;
}

std::string write_responses_response(const chat_response& r, const responses_meta& meta) {
  std::string id = meta.id.empty() ? responses_id(r.id, meta.fallback_id) : meta.id;
  auto incomplete = responses_incomplete_reason(r.finish);
  std::string_view item_status = incomplete.empty() ? "completed" : "incomplete";
  // the output items: text parts in a row are one message; reasoning and tool calls their own
  auto output = [&](json_out& w) {
    std::size_t items = 0, calls = 0;
    std::string text;
    bool in_text = false;
    auto flush_text = [&] {
      if (!in_text) return;
      write_responses_message_item(w, responses_item_id("msg", id, items++), text, item_status);
      text.clear();
      in_text = false;
    };
    for (const auto& p : r.content) {
      if (p.kind == part_kind::text) {
        text += p.text;
        in_text = true;
      } else if (p.kind == part_kind::reasoning) {
        if (p.reasoning.text.empty()) continue;  // redacted reasoning has no place here
        flush_text();
        write_responses_reasoning_item(w, responses_item_id("rs", id, items++), p.reasoning.text, item_status);
      } else if (p.kind == part_kind::tool_call) {
        flush_text();
        std::string call_id = p.call.id.empty() ? responses_item_id("call", id, calls) : p.call.id;
        write_responses_function_call_item(w, responses_item_id("fc", id, items++), call_id, p.call.name,
                                           p.call.arguments.empty() ? "{}" : p.call.arguments, "completed");
        ++calls;
      }
    }
    flush_text();
  };
  json_out w(1024);
  write_responses_object(w,
                         {.id = id,
                          .created_at = meta.created_at ? meta.created_at : r.created,
                          .model = meta.model.empty() ? std::string_view(r.model) : std::string_view(meta.model),
                          .status = incomplete.empty() ? "completed" : "incomplete",
                          .echo = &meta.echo,
                          .incomplete_reason = incomplete,
                          .usage = &r.usage},
                         output);
  return w.take();
}

}  // namespace sy::api
