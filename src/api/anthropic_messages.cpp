#include "api/anthropic_messages.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "api/anthropic_wire.h"
#include "api/json_out.h"
#include "api/json_read.h"
#include "api/openai_chat.h"
#include "core/error_types.h"

namespace sy::api {

namespace detail {

void anthropic_counts::read(const json::object& u) {
  auto count = [&](std::string_view key, std::optional<std::int64_t>& out) {
    auto* v = member(u, key);
    if (!v) return;
    if (auto* i = v->if_int64(); i && *i >= 0) out = *i;
    if (auto* x = v->if_uint64(); x && *x <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      out = static_cast<std::int64_t>(*x);
  };
  count("input_tokens", input);
  count("output_tokens", output);
  count("cache_read_input_tokens", cache_read);
  count("cache_creation_input_tokens", cache_write);
}

void anthropic_counts::merge(const anthropic_counts& later) {
  if (later.input) input = later.input;
  if (later.output) output = later.output;
  if (later.cache_read) cache_read = later.cache_read;
  if (later.cache_write) cache_write = later.cache_write;
}

token_usage anthropic_counts::canonical() const {
  token_usage u;
  if (input || cache_read || cache_write)
    u.input_tokens = add_counts(add_counts(input.value_or(0), cache_read.value_or(0)), cache_write.value_or(0));
  u.output_tokens = output;
  u.cached_input_tokens = cache_read;
  u.cache_write_tokens = cache_write;
  return u;
}

json::object anthropic_usage_json(const token_usage& u) {
  // input minus cache reads and writes, never below 0 (and without overflow on odd inputs)
  std::int64_t input = std::max<std::int64_t>(u.input_tokens.value_or(0), 0);
  for (auto part : {u.cached_input_tokens.value_or(0), u.cache_write_tokens.value_or(0)})
    if (part > 0) input -= std::min(input, part);
  json::object o{{"input_tokens", input}, {"output_tokens", u.output_tokens.value_or(0)}};
  if (u.cached_input_tokens) o["cache_read_input_tokens"] = *u.cached_input_tokens;
  if (u.cache_write_tokens) o["cache_creation_input_tokens"] = *u.cache_write_tokens;
  return o;
}

std::string anthropic_tool_id(std::string_view message_id, std::size_t index, const std::string& given) {
  if (!given.empty()) return given;
  std::string id = "toolu_";
  for (char c : message_id.substr(0, 64))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') id += c;
  if (id.size() > 6) id += '_';
  return id + std::to_string(index);
}

}  // namespace detail

namespace {

using namespace detail;

constexpr std::int64_t max_int32 = std::numeric_limits<std::int32_t>::max();

bool parse_image_block(json_reader& rd, const json::object& b, const std::string& path, image_ref& out,
                       chat_request& req, bool& skipped) {
  const auto& lim = rd.limits();
  auto spath = path_of(path, "source");
  auto* sv = member(b, "source");
  if (!sv) return rd.fail(spath, "missing");
  auto* s = rd.object(*sv, spath);
  if (!s) return false;
  std::string type;
  if (!rd.required_string_member(*s, "type", spath, type, lim.max_name_bytes)) return false;
  if (type == "base64") {
    out.source = image_source::base64;
    if (!member(*s, "media_type")) return rd.fail(path_of(spath, "media_type"), "missing");
    if (!member(*s, "data")) return rd.fail(path_of(spath, "data"), "missing");
    if (!rd.string_member(*s, "media_type", spath, out.media_type, lim.max_name_bytes) ||
        !rd.string_member(*s, "data", spath, out.data, lim.max_string_bytes))
      return false;
    if (out.data.empty()) return rd.fail(path_of(spath, "data"), "must not be empty");
  } else if (type == "url") {
    out.source = image_source::url;
    if (!rd.required_string_member(*s, "url", spath, out.url, lim.max_string_bytes)) return false;
    if (out.url.rfind("http://", 0) != 0 && out.url.rfind("https://", 0) != 0)
      return rd.fail(path_of(spath, "url"), "expected an http(s) URL");
  } else {
    note_untranslated(req, "image source '" + type + "'");
    skipped = true;
  }
  return true;
}

// Text and image blocks (a tool_result's content); `where` names the container in errors.
bool parse_plain_blocks(json_reader& rd, chat_request& req, const json::value& v, const std::string& path,
                        std::vector<content_part>& out) {
  auto each = [&](const json::object& b, const std::string& bpath, const std::string& type) {
    if (type == "text") {
      std::string text;
      if (!rd.required_string_member(b, "text", bpath, text, rd.limits().max_string_bytes)) return false;
      out.push_back(content_part::make_text(std::move(text)));
    } else if (type == "image") {
      image_ref img;
      bool skipped = false;
      if (!parse_image_block(rd, b, bpath, img, req, skipped)) return false;
      if (!skipped) out.push_back(content_part::make_image(std::move(img)));
    } else {
      note_untranslated(req, type + " content");
    }
    return true;
  };
  return string_or_parts(rd, v, path, "expected a string or an array of content blocks", out, each);
}

bool parse_message(json_reader& rd, chat_request& req, const json::value& v, const std::string& path) {
  const auto& lim = rd.limits();
  auto* m = rd.object(v, path);
  if (!m) return false;
  std::string role;
  if (!rd.required_string_member(*m, "role", path, role, lim.max_name_bytes)) return false;
  if (role != "user" && role != "assistant")
    return rd.fail(path_of(path, "role"), "expected \"user\" or \"assistant\"");
  bool user = role == "user";
  auto cpath = path_of(path, "content");
  auto* content = member(*m, "content");
  if (!content) return rd.fail(cpath, "missing");

  chat_message msg;
  msg.role = user ? message_role::user : message_role::assistant;
  std::vector<chat_message> results;  // a user turn's tool results, each its own role::tool message
  auto each = [&](const json::object& b, const std::string& bpath, const std::string& type) {
    auto only = [&](bool allowed) {
      return allowed || rd.fail(bpath, type + " blocks are not allowed in " + role + " messages");
    };
    if (type == "text") {
      std::string text;
      if (!rd.required_string_member(b, "text", bpath, text, lim.max_string_bytes)) return false;
      msg.content.push_back(content_part::make_text(std::move(text)));
    } else if (type == "image") {
      if (!only(user)) return false;
      image_ref img;
      bool skipped = false;
      if (!parse_image_block(rd, b, bpath, img, req, skipped)) return false;
      if (!skipped) msg.content.push_back(content_part::make_image(std::move(img)));
    } else if (type == "tool_result") {
      if (!only(user)) return false;
      tool_result r;
      if (!rd.required_string_member(b, "tool_use_id", bpath, r.tool_call_id, lim.max_name_bytes)) return false;
      if (auto* rc = member(b, "content");
          rc && !parse_plain_blocks(rd, req, *rc, path_of(bpath, "content"), r.content))
        return false;
      std::optional<bool> is_error;
      if (!rd.boolean_member(b, "is_error", bpath, is_error)) return false;
      r.is_error = is_error.value_or(false);
      chat_message t;
      t.role = message_role::tool;
      t.content.push_back(content_part::make_tool_result(std::move(r)));
      results.push_back(std::move(t));
    } else if (type == "tool_use") {
      if (!only(!user)) return false;
      tool_call c;
      if (!member(b, "id")) return rd.fail(path_of(bpath, "id"), "missing");
      if (!member(b, "name")) return rd.fail(path_of(bpath, "name"), "missing");
      if (!rd.string_member(b, "id", bpath, c.id, lim.max_name_bytes) ||
          !rd.string_member(b, "name", bpath, c.name, lim.max_name_bytes) ||
          !rd.object_text_member(b, "input", bpath, c.arguments))
        return false;
      msg.content.push_back(content_part::make_tool_call(std::move(c)));
    } else if (type == "thinking") {
      if (!only(!user)) return false;
      reasoning_text r;
      if (!rd.string_member(b, "thinking", bpath, r.text, lim.max_string_bytes) ||
          !rd.string_member(b, "signature", bpath, r.signature, lim.max_string_bytes))
        return false;
      msg.content.push_back(content_part::make_reasoning(std::move(r)));
    } else if (type == "redacted_thinking") {
      if (!only(!user)) return false;
      reasoning_text r;
      if (!rd.required_string_member(b, "data", bpath, r.redacted_data, lim.max_string_bytes)) return false;
      msg.content.push_back(content_part::make_reasoning(std::move(r)));
    } else {
      note_untranslated(req, type + " content");
    }
    return true;
  };
  if (!string_or_parts(rd, *content, cpath, "expected a string or an array of content blocks", msg.content, each))
    return false;
  if (req.messages.size() + results.size() + 1 > lim.max_messages) return rd.fail("messages", "too many messages");
  for (auto& r : results) req.messages.push_back(std::move(r));
  if (results.empty() || !msg.content.empty()) req.messages.push_back(std::move(msg));
  return true;
}

bool parse_system(json_reader& rd, chat_request& req, const json::value& v) {
  chat_message sys;
  sys.role = message_role::system;
  if (v.is_string()) {
    std::string text;
    if (!rd.string(v, "system", text, rd.limits().max_string_bytes)) return false;
    if (!text.empty()) sys.content.push_back(content_part::make_text(std::move(text)));
  } else {
    auto* a = v.is_array() ? rd.array(v, "system", rd.limits().max_parts) : nullptr;
    if (!a) return rd.fail("system", "expected a string or an array of text blocks");
    for (std::size_t i = 0; i < a->size(); ++i) {
      auto bpath = path_of("system", i);
      auto* b = rd.object((*a)[i], bpath);
      if (!b) return false;
      std::string type, text;
      if (!rd.string_member(*b, "type", bpath, type, rd.limits().max_name_bytes)) return false;
      if (type != "text") return rd.fail(path_of(bpath, "type"), "expected \"text\"");
      if (!rd.required_string_member(*b, "text", bpath, text, rd.limits().max_string_bytes)) return false;
      sys.content.push_back(content_part::make_text(std::move(text)));
    }
  }
  if (!sys.content.empty()) req.messages.insert(req.messages.begin(), std::move(sys));
  return true;
}

bool parse_tools(json_reader& rd, chat_request& req, const json::value& v) {
  const auto& lim = rd.limits();
  return each_object(rd, v, "tools", lim.max_tools, [&](const json::object& t, const std::string& tpath) {
    std::string type;
    if (!rd.string_member(t, "type", tpath, type, lim.max_name_bytes)) return false;
    if (!type.empty() && type != "custom") {
      note_untranslated(req, "tools of type '" + type + "'");
      return true;
    }
    tool_definition def;
    if (!rd.required_string_member(t, "name", tpath, def.name, lim.max_name_bytes)) return false;
    if (def.name.empty()) return rd.fail(path_of(tpath, "name"), "must not be empty");
    if (!member(t, "input_schema")) return rd.fail(path_of(tpath, "input_schema"), "missing");
    if (!rd.string_member(t, "description", tpath, def.description, lim.max_string_bytes) ||
        !rd.object_text_member(t, "input_schema", tpath, def.parameters))
      return false;
    req.tools.push_back(std::move(def));
    return true;
  });
}

bool parse_tool_choice(json_reader& rd, chat_request& req, const json::value& v) {
  auto* o = rd.object(v, "tool_choice");
  if (!o) return false;
  std::string type;
  if (!rd.required_string_member(*o, "type", "tool_choice", type, rd.limits().max_name_bytes)) return false;
  tool_choice c;
  if (type == "auto")
    c.kind = tool_choice_kind::automatic;
  else if (type == "any")
    c.kind = tool_choice_kind::required;
  else if (type == "none")
    c.kind = tool_choice_kind::none;
  else if (type == "tool")
    c.kind = tool_choice_kind::tool;
  else
    return rd.fail("tool_choice.type", "expected \"auto\", \"any\", \"tool\" or \"none\"");
  if (c.kind == tool_choice_kind::tool) {
    if (!rd.required_string_member(*o, "name", "tool_choice", c.name, rd.limits().max_name_bytes)) return false;
  }
  std::optional<bool> disable;
  if (!rd.boolean_member(*o, "disable_parallel_tool_use", "tool_choice", disable)) return false;
  if (disable) req.parallel_tool_calls = !*disable;
  req.choice = std::move(c);
  return true;
}

bool parse_thinking(json_reader& rd, chat_request& req, const json::value& v) {
  auto* o = rd.object(v, "thinking");
  if (!o) return false;
  std::string type;
  if (!rd.required_string_member(*o, "type", "thinking", type, rd.limits().max_name_bytes)) return false;
  reasoning_config rc;
  if (type == "enabled") {
    if (!member(*o, "budget_tokens")) return rd.fail("thinking.budget_tokens", "missing");
    if (!rd.integer_member(*o, "budget_tokens", "thinking", rc.budget_tokens, 1, max_int32)) return false;
  } else if (type == "disabled") {
    rc.enabled = false;
  } else {
    note_untranslated(req, "thinking type '" + type + "'");
    return true;
  }
  req.reasoning = rc;
  return true;
}

bool parse_request_body(json_reader& rd, const json::object& o, chat_request& req) {
  const auto& lim = rd.limits();
  req.source = wire_format::anthropic_messages;
  if (!rd.required_string_member(o, "model", "", req.model, lim.max_model_bytes)) return false;
  if (req.model.empty()) return rd.fail("model", "must not be empty");
  if (!member(o, "max_tokens")) return rd.fail("max_tokens", "missing");
  if (!rd.integer_member(o, "max_tokens", "", req.sampling.max_tokens, 1, max_int32)) return false;

  auto* mv = member(o, "messages");
  if (!mv) return rd.fail("messages", "missing");
  auto* msgs = rd.array(*mv, "messages", lim.max_messages);
  if (!msgs) return false;
  if (msgs->empty()) return rd.fail("messages", "must not be empty");
  req.messages.reserve(msgs->size() + 1);
  for (std::size_t i = 0; i < msgs->size(); ++i)
    if (!parse_message(rd, req, (*msgs)[i], path_of("messages", i))) return false;
  if (auto* s = member(o, "system"); s && !parse_system(rd, req, *s)) return false;

  if (auto* sv = member(o, "stop_sequences")) {
    auto* a = rd.array(*sv, "stop_sequences", lim.max_stop);
    if (!a) return false;
    for (std::size_t i = 0; i < a->size(); ++i) {
      std::string s;
      if (!rd.string((*a)[i], path_of("stop_sequences", i), s, lim.max_stop_bytes)) return false;
      req.stop.push_back(std::move(s));
    }
  }
  std::optional<bool> stream;
  if (!rd.boolean_member(o, "stream", "", stream)) return false;
  req.stream = stream.value_or(false);
  req.stream_usage = req.stream;
  if (!rd.number_member(o, "temperature", "", req.sampling.temperature) ||
      !rd.number_member(o, "top_p", "", req.sampling.top_p) ||
      !rd.integer_member(o, "top_k", "", req.sampling.top_k, 0, max_int32))
    return false;
  if (auto* t = member(o, "tools"); t && !parse_tools(rd, req, *t)) return false;
  if (auto* t = member(o, "tool_choice"); t && !parse_tool_choice(rd, req, *t)) return false;
  if (auto* t = member(o, "thinking"); t && !parse_thinking(rd, req, *t)) return false;
  if (auto* md = member(o, "metadata")) {
    auto* m = rd.object(*md, "metadata");
    if (!m || !rd.string_member(*m, "user_id", "metadata", req.user, lim.max_name_bytes)) return false;
  }
  if (member(o, "mcp_servers")) note_untranslated(req, "mcp_servers");
  if (member(o, "container")) note_untranslated(req, "container");

  static constexpr std::string_view known[] = {
      "model", "max_tokens", "messages",    "system",   "stop_sequences", "stream",      "temperature", "top_p",
      "top_k", "tools",      "tool_choice", "thinking", "metadata",       "mcp_servers", "container"};
  for (const auto& kv : o) {
    bool is_known = false;
    for (auto k : known) is_known = is_known || kv.key() == k;
    if (!is_known) req.extra[kv.key()] = kv.value();
  }
  return true;
}

// ---- writing

json::object text_block(const std::string& text) {
  return json::object{{"type", "text"}, {"text", text}};
}

json::object image_block(const image_ref& img) {
  json::object source;
  if (img.source == image_source::base64)
    source = json::object{{"type", "base64"}, {"media_type", img.media_type}, {"data", img.data}};
  else
    source = json::object{{"type", "url"}, {"url", img.url}};
  return json::object{{"type", "image"}, {"source", std::move(source)}};
}

// A single plain text block is written as a string, as clients usually send it.
json::value compact(json::array blocks) {
  if (blocks.size() == 1) {
    const auto& b = blocks[0].as_object();
    if (b.size() == 2 && b.at("type") == "text") return b.at("text");
  }
  return blocks;
}

json::object tool_use_block(const tool_call& c, std::string_view message_id, std::size_t index) {
  return json::object{{"type", "tool_use"},
                      {"id", anthropic_tool_id(message_id, index, c.id)},
                      {"name", c.name},
                      {"input", object_from_text(c.arguments)}};
}

// Output blocks of an assistant turn; reasoning only where Anthropic will take it back.
json::array assistant_blocks(const std::vector<content_part>& parts, bool need_signature, std::string_view message_id) {
  json::array blocks;
  std::size_t calls = 0;
  for (const auto& p : parts) {
    switch (p.kind) {
      case part_kind::text: blocks.push_back(text_block(p.text)); break;
      case part_kind::tool_call: blocks.push_back(tool_use_block(p.call, message_id, calls++)); break;
      case part_kind::reasoning:
        if (!p.reasoning.redacted_data.empty())
          blocks.push_back(json::object{{"type", "redacted_thinking"}, {"data", p.reasoning.redacted_data}});
        else if (!need_signature ||
                 (!p.reasoning.signature.empty() && !p.reasoning.signature.starts_with(gemini_signature_prefix)))
          blocks.push_back(
              json::object{{"type", "thinking"}, {"thinking", p.reasoning.text}, {"signature", p.reasoning.signature}});
        break;
      default: break;
    }
  }
  return blocks;
}

}  // namespace

api_result<chat_request> parse_anthropic_request(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  chat_request req;
  if (!o || !parse_request_body(rd, *o, req)) return rd.take_error();
  return req;
}

api_result<std::string> write_anthropic_request(const chat_request& r, const anthropic_write_options& options) {
  if (r.format && r.format->kind != response_format_kind::text)
    return api_error{400, "response_format (JSON output) cannot be sent to an Anthropic target",
                     "invalid_request_error", "response_format"};
  json::object o;
  o["model"] = options.model.empty() ? std::string_view(r.model) : options.model;
  std::int64_t max_tokens = r.sampling.max_tokens.value_or(options.default_max_tokens);
  o["max_tokens"] = max_tokens;

  json::array system;
  json::array msgs;
  bool tool_turn = false;  // the last turn is a user turn that began with tool results
  for (const auto& m : r.messages) {
    switch (m.role) {
      case message_role::system:
        for (const auto& p : m.content)
          if (p.kind == part_kind::text) system.push_back(text_block(p.text));
        break;
      case message_role::tool:
        for (const auto& p : m.content) {
          if (p.kind != part_kind::tool_result) continue;
          json::object b{{"type", "tool_result"}, {"tool_use_id", p.result.tool_call_id}};
          json::array inner;
          for (const auto& q : p.result.content) {
            if (q.kind == part_kind::text) inner.push_back(text_block(q.text));
            if (q.kind == part_kind::image) inner.push_back(image_block(q.image));
          }
          if (!inner.empty()) b["content"] = compact(std::move(inner));
          if (p.result.is_error) b["is_error"] = true;
          if (!tool_turn) {
            msgs.push_back(json::object{{"role", "user"}, {"content", json::array{}}});
            tool_turn = true;
          }
          msgs.back().as_object()["content"].as_array().push_back(std::move(b));
        }
        break;
      case message_role::user: {
        json::array blocks;
        for (const auto& p : m.content) {
          if (p.kind == part_kind::text) blocks.push_back(text_block(p.text));
          if (p.kind == part_kind::image) blocks.push_back(image_block(p.image));
        }
        if (tool_turn) {
          auto& turn = msgs.back().as_object()["content"].as_array();
          for (auto& b : blocks) turn.push_back(std::move(b));
        } else {
          if (blocks.empty()) blocks.push_back(text_block(""));
          msgs.push_back(json::object{{"role", "user"}, {"content", std::move(blocks)}});
        }
        tool_turn = false;
        break;
      }
      case message_role::assistant: {
        auto blocks = assistant_blocks(m.content, true, {});
        tool_turn = false;
        if (blocks.empty()) break;  // Anthropic refuses empty turns
        msgs.push_back(json::object{{"role", "assistant"}, {"content", std::move(blocks)}});
        break;
      }
    }
  }
  for (auto& m : msgs) {
    auto& c = m.as_object()["content"];
    c = compact(std::move(c.as_array()));
  }
  if (!system.empty()) o["system"] = compact(std::move(system));
  o["messages"] = std::move(msgs);

  if (!r.tools.empty()) {
    json::array tools;
    for (const auto& t : r.tools) {
      json::object jt{{"name", t.name}};
      if (!t.description.empty()) jt["description"] = t.description;
      jt["input_schema"] = t.parameters.empty() ? json::object{{"type", "object"}, {"properties", json::object{}}}
                                                : object_from_text(t.parameters);
      tools.push_back(std::move(jt));
    }
    o["tools"] = std::move(tools);
    json::object choice;
    if (r.choice) {
      switch (r.choice->kind) {
        case tool_choice_kind::automatic: choice["type"] = "auto"; break;
        case tool_choice_kind::none: choice["type"] = "none"; break;
        case tool_choice_kind::required: choice["type"] = "any"; break;
        case tool_choice_kind::tool:
          choice["type"] = "tool";
          choice["name"] = r.choice->name;
          break;
      }
    }
    if (r.parallel_tool_calls && !*r.parallel_tool_calls) {
      if (choice.empty()) choice["type"] = "auto";
      if (choice["type"] != "none") choice["disable_parallel_tool_use"] = true;
    }
    if (!choice.empty()) o["tool_choice"] = std::move(choice);
  }
  if (!r.stop.empty()) {
    json::array stop;
    for (const auto& s : r.stop) stop.push_back(json::string(s));
    o["stop_sequences"] = std::move(stop);
  }
  if (r.sampling.temperature) o["temperature"] = *r.sampling.temperature;
  if (r.sampling.top_p) o["top_p"] = *r.sampling.top_p;
  if (r.sampling.top_k && *r.sampling.top_k > 0) o["top_k"] = *r.sampling.top_k;
  if (r.reasoning) {
    if (!r.reasoning->enabled) {
      o["thinking"] = json::object{{"type", "disabled"}};
    } else {
      // the budget counts against max_tokens and must stay below it; Anthropic's minimum is 1024
      auto budget = r.reasoning->budget_tokens.value_or(budget_for_effort(r.reasoning->effort));
      if (budget >= max_tokens) budget = max_tokens - 1;
      if (budget >= 1024) o["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", budget}};
    }
  }
  if (!r.user.empty()) o["metadata"] = json::object{{"user_id", r.user}};
  if (r.stream) o["stream"] = true;
  if (r.source == wire_format::anthropic_messages)
    for (const auto& kv : r.extra)
      if (!o.contains(kv.key())) o[kv.key()] = kv.value();
  return json::serialize(o);
}

// ---- responses

finish_info anthropic_finish(std::string_view stop_reason, std::string stop_sequence) {
  finish_info f;
  f.raw = std::string(stop_reason);
  f.stop_sequence = std::move(stop_sequence);
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded")
    f.reason = finish_reason::length;
  else if (stop_reason == "tool_use")
    f.reason = finish_reason::tool_calls;
  else if (stop_reason == "refusal")
    f.reason = finish_reason::content_filter;
  else
    f.reason = finish_reason::stop;
  return f;
}

std::string_view anthropic_stop_reason(const finish_info& f) {
  static constexpr std::string_view words[] = {
      "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"};
  for (auto w : words)
    if (f.raw == w) return w;
  switch (f.reason) {
    case finish_reason::length: return "max_tokens";
    case finish_reason::tool_calls: return "tool_use";
    case finish_reason::content_filter: return "refusal";
    default: return f.stop_sequence.empty() ? "end_turn" : "stop_sequence";
  }
}

api_result<chat_response> parse_anthropic_response(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "response body");
  if (!o) return rd.take_error();
  chat_response resp;
  if (!rd.string_member(*o, "id", "", resp.id, limits.max_name_bytes) ||
      !rd.string_member(*o, "model", "", resp.model, limits.max_model_bytes))
    return rd.take_error();
  auto* cv = member(*o, "content");
  if (!cv) return api_error{502, "upstream reply: content: missing", "api_error", {}};
  auto* blocks = rd.array(*cv, "content", limits.max_parts);
  if (!blocks) return rd.take_error();
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    auto bpath = path_of("content", i);
    auto* b = rd.object((*blocks)[i], bpath);
    if (!b) return rd.take_error();
    std::string type;
    if (!rd.string_member(*b, "type", bpath, type, limits.max_name_bytes)) return rd.take_error();
    if (type == "text") {
      std::string text;
      if (!rd.string_member(*b, "text", bpath, text, limits.max_string_bytes)) return rd.take_error();
      resp.content.push_back(content_part::make_text(std::move(text)));
    } else if (type == "thinking" || type == "redacted_thinking") {
      reasoning_text r;
      if (!rd.string_member(*b, "thinking", bpath, r.text, limits.max_string_bytes) ||
          !rd.string_member(*b, "signature", bpath, r.signature, limits.max_string_bytes) ||
          !rd.string_member(*b, "data", bpath, r.redacted_data, limits.max_string_bytes))
        return rd.take_error();
      resp.content.push_back(content_part::make_reasoning(std::move(r)));
    } else if (type == "tool_use") {
      tool_call c;
      if (!rd.string_member(*b, "id", bpath, c.id, limits.max_name_bytes) ||
          !rd.string_member(*b, "name", bpath, c.name, limits.max_name_bytes) ||
          !rd.object_text_member(*b, "input", bpath, c.arguments))
        return rd.take_error();
      resp.content.push_back(content_part::make_tool_call(std::move(c)));
    }  // server tool blocks are never asked for (their tools are untranslated): skipped
  }
  std::string stop_reason, stop_sequence;
  if (!rd.string_member(*o, "stop_reason", "", stop_reason, limits.max_name_bytes) ||
      !rd.string_member(*o, "stop_sequence", "", stop_sequence, limits.max_stop_bytes))
    return rd.take_error();
  if (!stop_reason.empty()) resp.finish = anthropic_finish(stop_reason, std::move(stop_sequence));
  if (auto* u = member(*o, "usage"); u && u->is_object()) {
    anthropic_counts counts;
    counts.read(u->as_object());
    resp.usage = counts.canonical();
  }
  return resp;
}

std::string write_anthropic_response(const chat_response& r) {
  json_out w;
  w.begin_object().member("id", r.id).member("type", "message").member("role", "assistant").member("model", r.model);
  w.key("content").begin_array();
  std::size_t calls = 0;
  for (const auto& p : r.content) {  // as assistant_blocks(r.content, false, r.id), written in place
    switch (p.kind) {
      case part_kind::text: w.begin_object().member("type", "text").member("text", p.text).end_object(); break;
      case part_kind::tool_call: w.value(tool_use_block(p.call, r.id, calls++)); break;
      case part_kind::reasoning:
        if (!p.reasoning.redacted_data.empty())
          w.begin_object().member("type", "redacted_thinking").member("data", p.reasoning.redacted_data).end_object();
        else
          w.begin_object()
              .member("type", "thinking")
              .member("thinking", p.reasoning.text)
              .member("signature", p.reasoning.signature)
              .end_object();
        break;
      default: break;
    }
  }
  w.end_array().member("stop_reason", anthropic_stop_reason(r.finish)).key("stop_sequence");
  if (r.finish.stop_sequence.empty())
    w.null();
  else
    w.string(r.finish.stop_sequence);
  w.key("usage").value(anthropic_usage_json(r.usage)).end_object();
  return w.take();
}

// ---- errors

namespace {

// The status an Anthropic error type stands for; 0 for a type that is not Anthropic's.
unsigned status_of_anthropic_type(std::string_view type) {
  static constexpr std::pair<std::string_view, unsigned> types[] = {
      {"invalid_request_error", 400}, {"authentication_error", 401},
      {"billing_error", 402},         {"permission_error", 403},
      {"not_found_error", 404},       {"request_too_large", 413},
      {"rate_limit_error", 429},      {"api_error", 500},
      {"timeout_error", 504},         {"overloaded_error", 529}};
  for (const auto& [t, status] : types)
    if (t == type) return status;
  return 0;
}

}  // namespace

std::string_view anthropic_error_type(unsigned status) {
  auto type = error_type_for_status(status);
  if (status_of_anthropic_type(type) != 0) return type;
  return status >= 500 ? "api_error" : "invalid_request_error";  // e.g. upstream_error: not Anthropic's
}

unsigned anthropic_error_status(std::string_view type) {
  auto status = status_of_anthropic_type(type);
  return status ? status : 500;
}

std::string write_anthropic_error(const api_error& e) {
  // the status decides (Anthropic's SDKs pick the exception by status); the given type is kept
  // when it is Anthropic's word for that status (a 5xx may be api_error or overloaded_error)
  std::string_view type = anthropic_error_type(e.status);
  if (status_of_anthropic_type(e.type) == e.status) type = e.type;
  return json::serialize(
      json::object{{"type", "error"}, {"error", json::object{{"type", type}, {"message", e.message}}}});
}

api_error parse_anthropic_error(unsigned status, std::string_view body) {
  // {"type":"error","error":{"type","message"}} has the same "error" object as OpenAI's shape
  return parse_openai_error(status, body);
}

}  // namespace sy::api
