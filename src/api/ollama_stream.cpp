// Ollama NDJSON streams: the line encoder and decoder (see ollama_api.h).
#include "api/json_read.h"
#include "api/ollama_api.h"
#include "api/ollama_wire.h"
#include "core/rfc3339.h"

namespace sy::api {

using namespace detail;

// ---- encoder

ollama_stream_encoder::ollama_stream_encoder(std::string model, ollama_endpoint endpoint, std::int64_t created_at_ns)
    : model_(std::move(model)), endpoint_(endpoint), now_ns_(created_at_ns) {}

json::object ollama_stream_encoder::line_head() const {
  return json::object{{"model", model_}, {"created_at", format_rfc3339(now_ns_)}};
}

// `fields`: the message (chat) or the top-level fields after created_at (generate).
std::string ollama_stream_encoder::line(json::object fields) const {
  auto o = line_head();
  if (endpoint_ == ollama_endpoint::chat) {
    json::object message{{"role", "assistant"}, {"content", ""}};
    for (const auto& kv : fields) message[kv.key()] = kv.value();
    o["message"] = std::move(message);
  } else {
    o["response"] = "";
    for (const auto& kv : fields) o[kv.key()] = kv.value();
  }
  o["done"] = false;
  return json::serialize(o) + "\n";
}

std::string ollama_stream_encoder::call_line(std::vector<pending_call> calls) const {
  if (calls.empty() || endpoint_ != ollama_endpoint::chat) return {};
  json::array a;
  for (auto& c : calls) a.push_back(ollama_tool_call_json(tool_call{c.id, c.name, c.arguments}, c.index));
  return line(json::object{{"tool_calls", std::move(a)}});
}

// Every buffered call (`all`), or the leading ones whose arguments are already a whole JSON
// object (a later call has started, so they are most likely complete).
std::string ollama_stream_encoder::flush_calls(bool all) {
  std::size_t n = 0;
  if (all) {
    n = calls_.size();
  } else {
    while (n < calls_.size() && is_json_object_text(calls_[n].arguments, 64)) ++n;
  }
  if (n == 0) return {};
  std::vector<pending_call> out(std::make_move_iterator(calls_.begin()), std::make_move_iterator(calls_.begin() + n));
  calls_.erase(calls_.begin(), calls_.begin() + n);
  return call_line(std::move(out));
}

std::string ollama_stream_encoder::encode(const stream_event& e) {
  if (closed_) return {};
  std::string out;
  switch (e.kind) {
    case stream_event_kind::start:
      if (model_.empty()) model_ = e.model;
      if (!e.usage.empty()) usage_.merge(e.usage);
      break;
    case stream_event_kind::text:
      if (e.text.empty()) break;
      out = flush_calls(true);
      out += line(endpoint_ == ollama_endpoint::chat ? json::object{{"content", e.text}}
                                                     : json::object{{"response", e.text}});
      break;
    case stream_event_kind::reasoning:
      if (e.text.empty()) break;
      out = flush_calls(true);
      out += line(json::object{{"thinking", e.text}});
      break;
    case stream_event_kind::reasoning_signature:
    case stream_event_kind::redacted_reasoning: break;  // no place for them on this wire
    case stream_event_kind::tool_call_start: {
      any_tool_calls_ = true;
      bool known = false;
      for (const auto& c : calls_) known = known || c.index == e.index;
      if (known) break;
      out = flush_calls(false);
      calls_.push_back({e.index, e.id, e.name, {}});
      break;
    }
    case stream_event_kind::tool_call_arguments:
      for (auto& c : calls_)
        if (c.index == e.index) {
          c.arguments += e.text;  // a fragment for a call already sent cannot be sent: dropped
          break;
        }
      break;
    case stream_event_kind::finish:
      if (e.finish.reason != finish_reason::none) finish_ = e.finish;
      break;
    case stream_event_kind::usage: usage_.merge(e.usage); break;
    case stream_event_kind::error:
      closed_ = true;
      calls_.clear();
      out = json::serialize(json::object{{"error", e.error.message}}) + "\n";
      break;
  }
  return out;
}

std::string ollama_stream_encoder::end(const ollama_timing& timing) {
  if (closed_) return {};
  closed_ = true;
  std::string out = flush_calls(true);
  auto o = line_head();
  if (endpoint_ == ollama_endpoint::chat)
    o["message"] = json::object{{"role", "assistant"}, {"content", ""}};
  else
    o["response"] = "";
  o["done"] = true;
  o["done_reason"] = ollama_done_reason(finish_);
  put_ollama_metrics(o, usage_, timing.total_duration, timing.load_duration, timing.prompt_eval_duration,
                     timing.eval_duration);
  out += json::serialize(o) + "\n";
  return out;
}

// ---- decoder

std::vector<stream_event> ollama_stream_decoder::decode(std::string_view payload) {
  std::vector<stream_event> out;
  while (!payload.empty() && (payload.front() == ' ' || payload.front() == '\t')) payload.remove_prefix(1);
  while (!payload.empty() && (payload.back() == ' ' || payload.back() == '\r' || payload.back() == '\n'))
    payload.remove_suffix(1);
  if (done_ || failed_ || payload.empty()) return out;
  auto fail = [&](api_error e) {
    failed_ = true;
    out.push_back(stream_event::make_error(std::move(e)));
    return out;
  };
  json_reader rd(limits_, 502);
  auto o = rd.parse_object(payload, "stream line");
  if (!o) return fail(rd.take_error());
  if (member(*o, "error")) {
    auto e = parse_ollama_error(502, payload);
    if (e.message.empty()) e.message = "upstream stream failed";
    return fail(std::move(e));
  }
  std::string model;
  if (!rd.string_member(*o, "model", "", model, limits_.max_model_bytes)) return fail(rd.take_error());
  if (!started_) {
    started_ = true;
    std::string created;
    if (auto* c = member(*o, "created_at"); c && c->is_string() && c->as_string().size() <= 64)
      created.assign(c->as_string().data(), c->as_string().size());
    created_at_ = model + "@" + created;
    out.push_back(stream_event::make_start({}, std::move(model)));
  }
  std::string text, thinking;
  if (auto* mv = member(*o, "message")) {
    auto* m = rd.object(*mv, "message");
    if (!m) return fail(rd.take_error());
    if (!rd.string_member(*m, "thinking", "message", thinking, limits_.max_string_bytes) ||
        !rd.string_member(*m, "content", "message", text, limits_.max_string_bytes))
      return fail(rd.take_error());
    if (!thinking.empty()) out.push_back(stream_event::make_reasoning(std::move(thinking)));
    if (!text.empty()) out.push_back(stream_event::make_text(std::move(text)));
    if (auto* tv = member(*m, "tool_calls")) {
      auto* calls = rd.array(*tv, "message.tool_calls", limits_.max_tools);
      if (!calls) return fail(rd.take_error());
      for (std::size_t k = 0; k < calls->size(); ++k) {
        auto kpath = path_of("message.tool_calls", k);
        auto* c = rd.object((*calls)[k], kpath);
        if (!c) return fail(rd.take_error());
        std::string id, name;
        auto fpath = path_of(kpath, "function");
        auto* fv = member(*c, "function");
        const json::object* f = fv ? rd.object(*fv, fpath) : nullptr;
        if (!f) {
          if (!rd.failed()) rd.fail(fpath, "missing");
          return fail(rd.take_error());
        }
        if (!rd.string_member(*c, "id", kpath, id, limits_.max_name_bytes) ||
            !rd.string_member(*f, "name", fpath, name, limits_.max_name_bytes))
          return fail(rd.take_error());
        std::string args;
        if (auto* a = member(*f, "arguments")) {
          if (a->is_object())
            args = json::serialize(*a);
          else if (a->is_string() && is_json_object_text(a->as_string(), limits_.max_json_depth))
            args.assign(a->as_string().data(), a->as_string().size());
          else
            return fail(api_error{502, "upstream reply: " + fpath + ".arguments: expected an object", "api_error", {}});
        }
        if (tools_ >= limits_.max_tools)
          return fail(api_error{502, "upstream reply: too many tool calls", "api_error", {}});
        auto index = tools_++;
        if (id.empty()) id = ollama_call_id(created_at_, index);
        out.push_back(stream_event::make_tool_call_start(index, std::move(id), std::move(name)));
        if (!args.empty()) out.push_back(stream_event::make_tool_call_arguments(index, std::move(args)));
      }
    }
  } else {
    if (!rd.string_member(*o, "thinking", "", thinking, limits_.max_string_bytes) ||
        !rd.string_member(*o, "response", "", text, limits_.max_string_bytes))
      return fail(rd.take_error());
    if (!thinking.empty()) out.push_back(stream_event::make_reasoning(std::move(thinking)));
    if (!text.empty()) out.push_back(stream_event::make_text(std::move(text)));
  }
  std::optional<bool> done;
  if (!rd.boolean_member(*o, "done", "", done)) return fail(rd.take_error());
  if (done.value_or(false)) {
    done_ = true;
    std::string reason;
    if (!rd.string_member(*o, "done_reason", "", reason, limits_.max_name_bytes)) return fail(rd.take_error());
    auto finish = ollama_finish(reason.empty() ? "stop" : reason);
    if (tools_ > 0 && finish.reason == finish_reason::stop) {
      finish.reason = finish_reason::tool_calls;  // Ollama says "stop" after tool calls
      finish.raw.clear();
    }
    out.push_back(stream_event::make_finish(std::move(finish)));
    token_usage usage;
    usage.input_tokens = ollama_count(*o, "prompt_eval_count");
    usage.output_tokens = ollama_count(*o, "eval_count");
    if (!usage.empty()) out.push_back(stream_event::make_usage(usage));
  }
  return out;
}

std::vector<stream_event> ollama_stream_decoder::feed(std::string_view bytes) {
  std::vector<stream_event> out;
  while (!bytes.empty() && !done_ && !failed_) {
    auto nl = bytes.find('\n');
    auto piece = bytes.substr(0, nl);
    bytes = nl == std::string_view::npos ? std::string_view{} : bytes.substr(nl + 1);
    if (partial_.size() + piece.size() > limits_.max_string_bytes + 4096) {
      failed_ = true;
      partial_.clear();
      out.push_back(stream_event::make_error({502, "upstream reply: a stream line is too long", "api_error", {}}));
      break;
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      break;
    }
    std::vector<stream_event> events;
    if (partial_.empty()) {
      events = decode(piece);
    } else {
      partial_.append(piece);
      events = decode(partial_);
      partial_.clear();
    }
    for (auto& e : events) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sy::api
