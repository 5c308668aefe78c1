// OpenAI Chat Completions streams: the SSE chunk decoder and encoder (see openai_chat.h).
#include "api/json_read.h"
#include "api/openai_chat.h"
#include "api/openai_wire.h"

namespace sy::api {

using namespace detail;

// ---- streams

std::vector<stream_event> openai_stream_decoder::decode(std::string_view payload) {
  std::vector<stream_event> out;
  while (!payload.empty() && (payload.front() == ' ' || payload.front() == '\t')) payload.remove_prefix(1);
  while (!payload.empty() && (payload.back() == ' ' || payload.back() == '\r' || payload.back() == '\n'))
    payload.remove_suffix(1);
  if (done_ || payload.empty()) return out;
  if (payload == "[DONE]") {
    done_ = true;
    return out;
  }
  json_reader rd(limits_, 502);
  auto o = rd.parse_object(payload, "stream chunk");
  if (!o) {
    out.push_back(stream_event::make_error(rd.take_error()));
    return out;
  }
  if (auto* err = member(*o, "error")) {
    // OpenAI-compatible servers report a failure mid-stream as {"error":{...}}
    api_error e = parse_openai_error(502, json::serialize(*o));
    if (err->is_object())
      if (auto* code = member(err->as_object(), "code");
          code && code->is_int64() && code->as_int64() >= 400 && code->as_int64() <= 599)
        e.status = static_cast<unsigned>(code->as_int64());
    if (e.message.empty()) e.message = "upstream stream failed";
    out.push_back(stream_event::make_error(std::move(e)));
    return out;
  }
  if (!started_) {
    started_ = true;
    std::string id, model;
    rd.string_member(*o, "id", "", id, limits_.max_name_bytes);
    rd.string_member(*o, "model", "", model, limits_.max_model_bytes);
    if (rd.failed()) {
      out.push_back(stream_event::make_error(rd.take_error()));
      return out;
    }
    out.push_back(stream_event::make_start(std::move(id), std::move(model)));
  }
  const json::array* choices = nullptr;
  if (auto* cv = member(*o, "choices")) choices = rd.array(*cv, "choices", 1024);
  if (rd.failed()) {
    out.push_back(stream_event::make_error(rd.take_error()));
    return out;
  }
  if (choices) {
    for (std::size_t i = 0; i < choices->size(); ++i) {
      auto cpath = path_of("choices", i);
      auto* c = rd.object((*choices)[i], cpath);
      if (!c) break;
      std::optional<std::int64_t> index;
      if (!rd.integer_member(*c, "index", cpath, index, 0, 1 << 20)) break;
      if (index.value_or(0) != 0) continue;  // n > 1 is never requested when translating
      if (auto* dv = member(*c, "delta")) {
        auto dpath = path_of(cpath, "delta");
        auto* d = rd.object(*dv, dpath);
        if (!d) break;
        std::string text;
        if (!rd.string_member(*d, "reasoning_content", dpath, text, limits_.max_string_bytes)) break;
        if (text.empty() && !rd.string_member(*d, "reasoning", dpath, text, limits_.max_string_bytes)) break;
        if (!text.empty()) out.push_back(stream_event::make_reasoning(std::move(text)));
        text.clear();
        // signatures and redacted blocks (the text itself comes as reasoning_content)
        if (auto* rv = member(*d, "reasoning_details")) {
          auto rpath = path_of(dpath, "reasoning_details");
          auto* details = rd.array(*rv, rpath, limits_.max_parts);
          if (!details) break;
          for (std::size_t k = 0; k < details->size() && !rd.failed(); ++k) {
            auto* entry = rd.object((*details)[k], path_of(rpath, k));
            std::string type, value;
            if (!entry || !rd.string_member(*entry, "type", path_of(rpath, k), type, limits_.max_name_bytes)) break;
            const bool encrypted = type == "reasoning.encrypted";
            if (!encrypted && type != "reasoning.text") continue;
            if (!rd.string_member(*entry, encrypted ? "data" : "signature", path_of(rpath, k), value,
                                  limits_.max_string_bytes))
              break;
            if (!value.empty())
              out.push_back(encrypted ? stream_event{stream_event_kind::redacted_reasoning, std::move(value)}
                                      : stream_event::make_signature(std::move(value)));
          }
          if (rd.failed()) break;
        }
        if (!rd.string_member(*d, "content", dpath, text, limits_.max_string_bytes)) break;
        if (text.empty() && !rd.string_member(*d, "refusal", dpath, text, limits_.max_string_bytes)) break;
        if (!text.empty()) out.push_back(stream_event::make_text(std::move(text)));
        if (auto* tv = member(*d, "tool_calls")) {
          auto tpath = path_of(dpath, "tool_calls");
          auto* calls = rd.array(*tv, tpath, limits_.max_tools);
          if (!calls) break;
          for (std::size_t k = 0; k < calls->size() && !rd.failed(); ++k) {
            auto kpath = path_of(tpath, k);
            auto* call = rd.object((*calls)[k], kpath);
            if (!call) break;
            std::optional<std::int64_t> wire_index;
            std::string id, name, args;
            const json::object* fn = nullptr;
            if (auto* fv = member(*call, "function")) fn = rd.object(*fv, path_of(kpath, "function"));
            if (!rd.integer_member(*call, "index", kpath, wire_index, 0, 1 << 20) ||
                !rd.string_member(*call, "id", kpath, id, limits_.max_name_bytes) ||
                (fn && !rd.string_member(*fn, "name", path_of(kpath, "function"), name, limits_.max_name_bytes)) ||
                (fn && !rd.string_member(*fn, "arguments", path_of(kpath, "function"), args, limits_.max_string_bytes)))
              break;
            auto wi = wire_index.value_or(static_cast<std::int64_t>(k));
            auto it = tool_index_.find(wi);
            if (it == tool_index_.end()) {
              if (tool_index_.size() >= limits_.max_tools) {
                rd.fail(kpath, "too many tool calls");
                break;
              }
              it = tool_index_.emplace(wi, tool_index_.size()).first;
              out.push_back(stream_event::make_tool_call_start(it->second, std::move(id), std::move(name)));
            }
            if (!args.empty()) out.push_back(stream_event::make_tool_call_arguments(it->second, std::move(args)));
          }
          if (rd.failed()) break;
        }
      }
      std::string finish;
      if (!rd.string_member(*c, "finish_reason", cpath, finish, limits_.max_name_bytes)) break;
      if (!finish.empty()) {
        finished_ = true;
        out.push_back(stream_event::make_finish(openai_finish(finish)));
      }
    }
  }
  if (rd.failed()) {
    out.push_back(stream_event::make_error(rd.take_error()));
    return out;
  }
  if (auto* u = member(*o, "usage"); u && u->is_object()) {
    token_usage usage;
    read_openai_usage(u->as_object(), usage);
    if (!usage.empty()) out.push_back(stream_event::make_usage(usage));
  }
  return out;
}

openai_stream_encoder::openai_stream_encoder(std::string id, std::int64_t created, std::string model,
                                             bool include_usage)
    : id_(std::move(id)), model_(std::move(model)), created_(created), include_usage_(include_usage) {}

std::string openai_stream_encoder::chunk(json::object delta, const char* finish_reason) {
  json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
  if (finish_reason)
    choice["finish_reason"] = finish_reason;
  else
    choice["finish_reason"] = nullptr;
  json::object o{{"id", id_},
                 {"object", "chat.completion.chunk"},
                 {"created", created_},
                 {"model", model_},
                 {"choices", json::array{std::move(choice)}}};
  return "data: " + json::serialize(o) + "\n\n";
}

std::string openai_stream_encoder::ensure_started() {
  if (started_) return {};
  started_ = true;
  return chunk(json::object{{"role", "assistant"}, {"content", ""}}, nullptr);
}

std::string openai_stream_encoder::encode(const stream_event& e) {
  if (closed_) return {};
  std::string out;
  switch (e.kind) {
    case stream_event_kind::start: out = ensure_started(); break;
    case stream_event_kind::text:
      if (e.text.empty()) break;
      out = ensure_started();
      out += chunk(json::object{{"content", e.text}}, nullptr);
      break;
    case stream_event_kind::reasoning:
      if (e.text.empty()) break;
      out = ensure_started();
      out += chunk(json::object{{"reasoning_content", e.text}}, nullptr);
      break;
    case stream_event_kind::reasoning_signature:  // OpenRouter's reasoning_details
      out = ensure_started();
      out += chunk(json::object{{"reasoning_details",
                                 json::array{json::object{{"type", "reasoning.text"}, {"signature", e.text}}}}},
                   nullptr);
      break;
    case stream_event_kind::redacted_reasoning:
      out = ensure_started();
      out += chunk(json::object{{"reasoning_details",
                                 json::array{json::object{{"type", "reasoning.encrypted"}, {"data", e.text}}}}},
                   nullptr);
      break;
    case stream_event_kind::tool_call_start: {
      out = ensure_started();
      json::object fn{{"name", e.name}, {"arguments", ""}};
      json::object call{{"index", e.index}, {"id", e.id}, {"type", "function"}, {"function", std::move(fn)}};
      out += chunk(json::object{{"tool_calls", json::array{std::move(call)}}}, nullptr);
      break;
    }
    case stream_event_kind::tool_call_arguments: {
      if (e.text.empty()) break;
      out = ensure_started();
      json::object call{{"index", e.index}, {"function", json::object{{"arguments", e.text}}}};
      out += chunk(json::object{{"tool_calls", json::array{std::move(call)}}}, nullptr);
      break;
    }
    case stream_event_kind::finish: {
      if (finished_ || e.finish.reason == finish_reason::none) break;
      out = ensure_started();
      finished_ = true;
      std::string reason(openai_finish_reason(e.finish));
      out += chunk(json::object{}, reason.c_str());
      break;
    }
    case stream_event_kind::usage: usage_.merge(e.usage); break;
    case stream_event_kind::error:
      closed_ = true;
      out = "data: " + write_openai_error(e.error) + "\n\n";
      break;
  }
  return out;
}

std::string openai_stream_encoder::end() {
  if (closed_) return {};
  std::string out = ensure_started();
  if (!finished_) {
    finished_ = true;
    out += chunk(json::object{}, "stop");
  }
  if (include_usage_ && !usage_.empty()) {
    json::object o{{"id", id_},       {"object", "chat.completion.chunk"}, {"created", created_},
                   {"model", model_}, {"choices", json::array{}},          {"usage", openai_usage_json(usage_)}};
    out += "data: " + json::serialize(o) + "\n\n";
  }
  closed_ = true;
  out += "data: [DONE]\n\n";
  return out;
}

}  // namespace sy::api
