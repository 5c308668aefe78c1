// OpenAI Responses streams: canonical events -> the Responses event sequence (see
// openai_responses.h).
#include "api/json_read.h"
#include "api/openai_responses.h"
#include "api/responses_wire.h"

namespace sy::api {

using namespace detail;

std::string responses_stream_encoder::emit(std::string_view type, const std::function<void(json_out&)>& fields) {
  json_out w;
  w.begin_object().member("type", type);
  fields(w);
  w.member("sequence_number", sequence_++).end_object();
  std::string out = "event: ";
  out += type;
  out += "\ndata: ";
  out += w.text();
  out += "\n\n";
  return out;
}

std::string responses_stream_encoder::emit(std::string_view type, const json::object& fields) {
  return emit(type, [&](json_out& w) {
    for (const auto& kv : fields) w.key(kv.key()).value(kv.value());
  });
}

std::string responses_stream_encoder::ensure_started(const stream_event* start) {
  if (started_) return {};
  started_ = true;
  if (meta_.id.empty()) meta_.id = responses_id(start ? start->id : std::string_view{}, meta_.fallback_id);
  if (meta_.model.empty() && start) meta_.model = start->model;
  auto in_progress = [&](json_out& w) { write_response(w.key("response"), "in_progress"); };
  std::string out = emit("response.created", in_progress);
  out += emit("response.in_progress", in_progress);
  return out;
}

void responses_stream_encoder::write_item(json_out& w, const item& it) const {
  std::string_view status = it.done ? "completed" : "in_progress";
  switch (it.kind) {
    case item_kind::reasoning: write_responses_reasoning_item(w, it.id, it.text, status); break;
    case item_kind::message: write_responses_message_item(w, it.id, it.text, status); break;
    case item_kind::function_call:
      write_responses_function_call_item(w, it.id, it.call_id, it.name, it.text, status);
      break;
  }
}

void responses_stream_encoder::write_response(json_out& w, std::string_view status, std::string_view incomplete,
                                              const api_error* error, std::string_view error_code) const {
  write_responses_object(w,
                         {.id = meta_.id,
                          .created_at = meta_.created_at,
                          .model = meta_.model,
                          .status = status,
                          .echo = &meta_.echo,
                          .incomplete_reason = incomplete,
                          .error = error,
                          .error_code = error_code,
                          .usage = status != "in_progress" ? &usage_ : nullptr},
                         [&](json_out& out) {
                           for (const auto& it : items_) write_item(out, it);
                         });
}

std::string responses_stream_encoder::open_item(item_kind kind, std::string call_id, std::string name) {
  std::size_t index = items_.size();
  const char* prefix = kind == item_kind::reasoning ? "rs" : kind == item_kind::message ? "msg" : "fc";
  items_.push_back(item{kind, responses_item_id(prefix, meta_.id, index), {}, std::move(call_id), std::move(name)});
  const auto& it = items_.back();
  std::string out = emit("response.output_item.added", [&](json_out& w) {
    w.member("output_index", static_cast<std::int64_t>(index));
    write_item(w.key("item"), it);
  });
  if (kind == item_kind::function_call) return out;
  open_ = index;
  out += emit("response.content_part.added", [&](json_out& w) {
    w.member("item_id", it.id)
        .member("output_index", static_cast<std::int64_t>(index))
        .member("content_index", std::int64_t{0});
    if (kind == item_kind::message)
      write_responses_output_text(w.key("part"), "");
    else
      write_responses_reasoning_text(w.key("part"), "");
  });
  return out;
}

std::string responses_stream_encoder::close_item(std::size_t index) {
  auto& it = items_[index];
  if (it.done) return {};
  it.done = true;
  std::string out;
  json::object where{{"item_id", it.id}, {"output_index", index}};
  if (it.kind == item_kind::function_call) {
    json::object f = where;
    f["name"] = it.name;
    f["arguments"] = it.text;
    out += emit("response.function_call_arguments.done", std::move(f));
  } else {
    bool message = it.kind == item_kind::message;
    json::object f = where;
    f["content_index"] = 0;
    f["text"] = it.text;
    if (message) f["logprobs"] = json::array{};
    out += emit(message ? "response.output_text.done" : "response.reasoning_text.done", std::move(f));
    out += emit("response.content_part.done", [&](json_out& w) {
      w.member("item_id", it.id)
          .member("output_index", static_cast<std::int64_t>(index))
          .member("content_index", std::int64_t{0});
      if (message)
        write_responses_output_text(w.key("part"), it.text);
      else
        write_responses_reasoning_text(w.key("part"), it.text);
    });
    if (open_ == index) open_ = SIZE_MAX;
  }
  out += emit("response.output_item.done", [&](json_out& w) {
    w.member("output_index", static_cast<std::int64_t>(index));
    write_item(w.key("item"), it);
  });
  return out;
}

std::string responses_stream_encoder::close_open(bool tools_too) {
  std::string out;
  if (open_ != SIZE_MAX) out += close_item(open_);
  if (tools_too)
    for (const auto& [tool, index] : tools_) out += close_item(index);
  return out;
}

std::string responses_stream_encoder::encode(const stream_event& e) {
  if (closed_) return {};
  std::string out = ensure_started(e.kind == stream_event_kind::start ? &e : nullptr);
  switch (e.kind) {
    case stream_event_kind::start: break;
    case stream_event_kind::text:
    case stream_event_kind::reasoning: {
      if (e.text.empty()) break;
      auto kind = e.kind == stream_event_kind::text ? item_kind::message : item_kind::reasoning;
      if (open_ == SIZE_MAX || items_[open_].kind != kind) {
        out += close_open(true);
        out += open_item(kind);
      }
      auto& it = items_[open_];
      it.text += e.text;
      json::object f{{"item_id", it.id}, {"output_index", open_}, {"content_index", 0}, {"delta", e.text}};
      if (kind == item_kind::message) f["logprobs"] = json::array{};
      out += emit(kind == item_kind::message ? "response.output_text.delta" : "response.reasoning_text.delta",
                  std::move(f));
      break;
    }
    case stream_event_kind::reasoning_signature:
    case stream_event_kind::redacted_reasoning: break;  // no place for them in a Responses stream
    case stream_event_kind::tool_call_start: {
      if (tools_.contains(e.index)) break;
      out += close_open(false);
      std::string call_id = e.id.empty() ? responses_item_id("call", meta_.id, tools_.size()) : e.id;
      tools_[e.index] = items_.size();
      out += open_item(item_kind::function_call, std::move(call_id), e.name);
      break;
    }
    case stream_event_kind::tool_call_arguments: {
      auto found = tools_.find(e.index);
      if (e.text.empty() || found == tools_.end()) break;  // decoders start every call before its arguments
      auto& it = items_[found->second];
      if (it.done) break;  // its item closed when text or reasoning followed; cannot be reopened
      it.text += e.text;
      out += emit("response.function_call_arguments.delta",
                  json::object{{"item_id", it.id}, {"output_index", found->second}, {"delta", e.text}});
      break;
    }
    case stream_event_kind::finish:
      if (e.finish.reason != finish_reason::none) finish_ = e.finish;
      break;
    case stream_event_kind::usage: usage_.merge(e.usage); break;
    case stream_event_kind::error: {
      closed_ = true;
      const auto& err = e.error;
      std::string code = err.status == 429 ? "rate_limit_exceeded" : "server_error";
      json::value param = err.param.empty() ? json::value(nullptr) : json::value(err.param);
      out += emit("error", json::object{{"code", code}, {"message", err.message}, {"param", param}});
      out += emit("response.failed", [&](json_out& w) { write_response(w.key("response"), "failed", {}, &err, code); });
      break;
    }
  }
  return out;
}

std::string responses_stream_encoder::end() {
  if (closed_) return {};
  std::string out = ensure_started(nullptr);
  out += close_open(true);
  closed_ = true;
  auto incomplete = responses_incomplete_reason(finish_);
  out += emit(incomplete.empty() ? "response.completed" : "response.incomplete", [&](json_out& w) {
    write_response(w.key("response"), incomplete.empty() ? "completed" : "incomplete", incomplete);
  });
  return out;
}

}  // namespace sy::api
