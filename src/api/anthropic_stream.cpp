// Anthropic Messages streams: the SSE event decoder and encoder (see anthropic_messages.h).
#include <algorithm>

#include "api/anthropic_messages.h"
#include "api/anthropic_wire.h"
#include "api/json_read.h"
#include "api/utf8_text.h"

namespace sy::api {

using namespace detail;

namespace {

constexpr std::size_t max_queued_bytes = 16u << 20;  // arguments held for one queued tool call

std::string sse(std::string_view event, const json::object& data) {
  std::string out = "event: ";
  out.append(event).append("\ndata: ").append(json::serialize(data)).append("\n\n");
  return out;
}

}  // namespace

// ---- decoder

std::vector<stream_event> anthropic_stream_decoder::decode(std::string_view payload) {
  std::vector<stream_event> out;
  if (done_) return out;
  json_reader rd(limits_, 502);
  auto o = rd.parse_object(payload, "stream event");
  if (!o) {
    out.push_back(stream_event::make_error(rd.take_error()));
    return out;
  }
  std::string type;
  rd.string_member(*o, "type", "", type, limits_.max_name_bytes);

  auto fail = [&] {
    out.push_back(stream_event::make_error(rd.take_error()));
    return out;
  };
  if (type == "message_start") {
    auto* mv = member(*o, "message");
    auto* m = mv ? rd.object(*mv, "message") : nullptr;
    if (!m) return rd.failed() ? fail() : out;
    std::string id, model;
    if (!rd.string_member(*m, "id", "message", id, limits_.max_name_bytes) ||
        !rd.string_member(*m, "model", "message", model, limits_.max_model_bytes))
      return fail();
    auto start = stream_event::make_start(std::move(id), std::move(model));
    if (auto* u = member(*m, "usage"); u && u->is_object()) {
      anthropic_counts counts;
      counts.read(u->as_object());
      input_ = counts.input;
      cache_read_ = counts.cache_read;
      cache_write_ = counts.cache_write;
      start.usage = counts.canonical();
      start.usage.output_tokens.reset();  // the count so far, not the answer's
    }
    out.push_back(std::move(start));
  } else if (type == "content_block_start") {
    std::optional<std::int64_t> index;
    if (!rd.integer_member(*o, "index", "", index, 0, 1 << 20)) return fail();
    auto* bv = member(*o, "content_block");
    auto* b = bv ? rd.object(*bv, "content_block") : nullptr;
    if (!b || !index) return rd.failed() ? fail() : out;
    if (blocks_.size() >= limits_.max_parts && !blocks_.count(*index)) {
      rd.fail("index", "too many content blocks");
      return fail();
    }
    std::string btype, text, extra;
    rd.string_member(*b, "type", "content_block", btype, limits_.max_name_bytes);
    block blk;
    if (btype == "text") {
      if (!rd.string_member(*b, "text", "content_block", text, limits_.max_string_bytes)) return fail();
      if (!text.empty()) out.push_back(stream_event::make_text(std::move(text)));
    } else if (btype == "thinking") {
      if (!rd.string_member(*b, "thinking", "content_block", text, limits_.max_string_bytes) ||
          !rd.string_member(*b, "signature", "content_block", extra, limits_.max_string_bytes))
        return fail();
      if (!text.empty()) out.push_back(stream_event::make_reasoning(std::move(text)));
      if (!extra.empty()) out.push_back(stream_event::make_signature(std::move(extra)));
    } else if (btype == "redacted_thinking") {
      if (!rd.string_member(*b, "data", "content_block", text, limits_.max_string_bytes)) return fail();
      stream_event e;
      e.kind = stream_event_kind::redacted_reasoning;
      e.text = std::move(text);
      out.push_back(std::move(e));
    } else if (btype == "tool_use") {
      std::string id, name;
      if (!rd.string_member(*b, "id", "content_block", id, limits_.max_name_bytes) ||
          !rd.string_member(*b, "name", "content_block", name, limits_.max_name_bytes))
        return fail();
      blk.tool = true;
      blk.tool_index = tools_++;
      out.push_back(stream_event::make_tool_call_start(blk.tool_index, std::move(id), std::move(name)));
      if (auto* in = member(*b, "input"); in && in->is_object() && !in->as_object().empty())
        out.push_back(stream_event::make_tool_call_arguments(blk.tool_index, json::serialize(*in)));
    }
    blocks_[*index] = blk;
  } else if (type == "content_block_delta") {
    std::optional<std::int64_t> index;
    if (!rd.integer_member(*o, "index", "", index, 0, 1 << 20)) return fail();
    auto* dv = member(*o, "delta");
    auto* d = dv ? rd.object(*dv, "delta") : nullptr;
    if (!d) return rd.failed() ? fail() : out;
    std::string dtype, text;
    rd.string_member(*d, "type", "delta", dtype, limits_.max_name_bytes);
    auto field = dtype == "text_delta"         ? "text"
                 : dtype == "thinking_delta"   ? "thinking"
                 : dtype == "signature_delta"  ? "signature"
                 : dtype == "input_json_delta" ? "partial_json"
                                               : "";
    if (!*field) return out;  // citations and future delta types
    if (!rd.string_member(*d, field, "delta", text, limits_.max_string_bytes)) return fail();
    if (dtype == "text_delta") {
      if (!text.empty()) out.push_back(stream_event::make_text(std::move(text)));
    } else if (dtype == "thinking_delta") {
      if (!text.empty()) out.push_back(stream_event::make_reasoning(std::move(text)));
    } else if (dtype == "signature_delta") {
      out.push_back(stream_event::make_signature(std::move(text)));
    } else {
      auto it = index ? blocks_.find(*index) : blocks_.end();
      if (it != blocks_.end() && it->second.tool && !text.empty())
        out.push_back(stream_event::make_tool_call_arguments(it->second.tool_index, std::move(text)));
    }
  } else if (type == "message_delta") {
    if (auto* dv = member(*o, "delta"); dv && dv->is_object()) {
      std::string reason, sequence;
      if (!rd.string_member(dv->as_object(), "stop_reason", "delta", reason, limits_.max_name_bytes) ||
          !rd.string_member(dv->as_object(), "stop_sequence", "delta", sequence, limits_.max_stop_bytes))
        return fail();
      if (!reason.empty()) out.push_back(stream_event::make_finish(anthropic_finish(reason, std::move(sequence))));
    }
    if (auto* u = member(*o, "usage"); u && u->is_object()) {
      anthropic_counts counts{input_, output_, cache_read_, cache_write_};
      anthropic_counts later;
      later.read(u->as_object());
      counts.merge(later);
      input_ = counts.input;
      output_ = counts.output;
      cache_read_ = counts.cache_read;
      cache_write_ = counts.cache_write;
      out.push_back(stream_event::make_usage(counts.canonical()));
    }
  } else if (type == "message_stop") {
    done_ = true;
  } else if (type == "error") {
    api_error e{502, "upstream stream failed", "api_error", {}};
    if (auto* ev = member(*o, "error"); ev && ev->is_object()) {
      const auto& eo = ev->as_object();
      if (auto* t = member(eo, "type"); t && t->is_string() && t->as_string().size() <= 64)
        e.type = std::string(t->as_string());
      if (auto* m = member(eo, "message"); m && m->is_string()) e.message = utf8_prefix(m->as_string(), 4096);
    }
    e.status = anthropic_error_status(e.type);
    out.push_back(stream_event::make_error(std::move(e)));
  }  // ping, content_block_stop and unknown events carry nothing canonical
  return out;
}

// ---- encoder

std::string anthropic_stream_encoder::ping() {
  return sse("ping", json::object{{"type", "ping"}});
}

std::string anthropic_stream_encoder::ensure_started(const stream_event* start) {
  if (started_) return {};
  started_ = true;
  if (start) {
    if (id_.empty()) id_ = start->id;
    if (model_.empty()) model_ = start->model;
    usage_.merge(start->usage);
  }
  auto usage = anthropic_usage_json(usage_);
  json::object message{{"id", id_},
                       {"type", "message"},
                       {"role", "assistant"},
                       {"model", model_},
                       {"content", json::array{}},
                       {"stop_reason", nullptr},
                       {"stop_sequence", nullptr},
                       {"usage", std::move(usage)}};
  return sse("message_start", json::object{{"type", "message_start"}, {"message", std::move(message)}}) + ping();
}

std::string anthropic_stream_encoder::start_block(json::object content_block) {
  block_index_ = blocks_++;
  return sse("content_block_start", json::object{{"type", "content_block_start"},
                                                 {"index", block_index_},
                                                 {"content_block", std::move(content_block)}});
}

std::string anthropic_stream_encoder::delta(json::object d) {
  return sse("content_block_delta",
             json::object{{"type", "content_block_delta"}, {"index", block_index_}, {"delta", std::move(d)}});
}

std::string anthropic_stream_encoder::close_block() {
  if (open_ == open_block::none) return {};
  open_ = open_block::none;
  sealed_ = false;
  return sse("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", block_index_}});
}

std::string anthropic_stream_encoder::tool_id(std::size_t index, const std::string& given) const {
  return anthropic_tool_id(id_, index, given);
}

std::string anthropic_stream_encoder::flush_queue() {
  std::string out;
  for (auto& q : queue_) {
    out += start_block(json::object{
        {"type", "tool_use"}, {"id", tool_id(q.index, q.id)}, {"name", q.name}, {"input", json::object{}}});
    if (!q.arguments.empty()) out += delta(json::object{{"type", "input_json_delta"}, {"partial_json", q.arguments}});
    out += sse("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", block_index_}});
  }
  queue_.clear();
  return out;
}

std::string anthropic_stream_encoder::encode(const stream_event& e) {
  if (closed_) return {};
  if (e.kind == stream_event_kind::error) {
    closed_ = true;
    return "event: error\ndata: " + write_anthropic_error(e.error) + "\n\n";
  }
  std::string out = ensure_started(e.kind == stream_event_kind::start ? &e : nullptr);
  auto switch_to = [&](open_block kind, json::object content_block) {
    out += close_block();
    out += flush_queue();
    out += start_block(std::move(content_block));
    open_ = kind;
  };
  switch (e.kind) {
    case stream_event_kind::start: break;
    case stream_event_kind::text:
      if (e.text.empty()) break;
      if (open_ != open_block::text) switch_to(open_block::text, json::object{{"type", "text"}, {"text", ""}});
      out += delta(json::object{{"type", "text_delta"}, {"text", e.text}});
      break;
    case stream_event_kind::reasoning:
      if (e.text.empty()) break;
      if (open_ != open_block::thinking || sealed_)
        switch_to(open_block::thinking, json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}});
      out += delta(json::object{{"type", "thinking_delta"}, {"thinking", e.text}});
      break;
    case stream_event_kind::reasoning_signature:
      if (open_ != open_block::thinking || sealed_)
        switch_to(open_block::thinking, json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}});
      out += delta(json::object{{"type", "signature_delta"}, {"signature", e.text}});
      sealed_ = true;
      break;
    case stream_event_kind::redacted_reasoning:
      switch_to(open_block::thinking, json::object{{"type", "redacted_thinking"}, {"data", e.text}});
      out += close_block();
      break;
    case stream_event_kind::tool_call_start:
      if (std::find(tools_seen_.begin(), tools_seen_.end(), e.index) != tools_seen_.end()) break;
      if (tools_seen_.size() >= 4096) break;  // bounded: far beyond any parse limit
      tools_seen_.push_back(e.index);
      if (open_ == open_block::tool) {
        queue_.push_back({e.index, e.id, e.name, {}});
      } else {
        switch_to(
            open_block::tool,
            json::object{
                {"type", "tool_use"}, {"id", tool_id(e.index, e.id)}, {"name", e.name}, {"input", json::object{}}});
        open_tool_ = e.index;
      }
      break;
    case stream_event_kind::tool_call_arguments: {
      if (e.text.empty()) break;
      if (open_ == open_block::tool && open_tool_ == e.index) {
        out += delta(json::object{{"type", "input_json_delta"}, {"partial_json", e.text}});
        break;
      }
      auto q = std::find_if(queue_.begin(), queue_.end(), [&](const queued_tool& t) { return t.index == e.index; });
      if (q == queue_.end()) break;
      if (q->arguments.size() + e.text.size() > max_queued_bytes) {
        closed_ = true;
        return out + "event: error\ndata: " +
               write_anthropic_error({502, "upstream tool call arguments too large", "api_error", {}}) + "\n\n";
      }
      q->arguments += e.text;
      break;
    }
    case stream_event_kind::finish:
      out += close_block();
      out += flush_queue();
      if (e.finish.reason != finish_reason::none) finish_ = e.finish;
      break;
    case stream_event_kind::usage: usage_.merge(e.usage); break;
    case stream_event_kind::error: break;
  }
  return out;
}

std::string anthropic_stream_encoder::end() {
  if (closed_) return {};
  std::string out = ensure_started(nullptr);
  out += close_block();
  out += flush_queue();
  json::object d{{"stop_reason", anthropic_stop_reason(finish_)}};
  if (finish_.stop_sequence.empty())
    d["stop_sequence"] = nullptr;
  else
    d["stop_sequence"] = finish_.stop_sequence;
  // usage is cumulative; the input counts go here too because an OpenAI upstream reports them last
  json::object usage;
  usage["output_tokens"] = usage_.output_tokens.value_or(0);
  if (usage_.input_tokens) {
    auto u = anthropic_usage_json(usage_);
    usage["input_tokens"] = u["input_tokens"];
    if (u.contains("cache_read_input_tokens")) usage["cache_read_input_tokens"] = u["cache_read_input_tokens"];
    if (u.contains("cache_creation_input_tokens"))
      usage["cache_creation_input_tokens"] = u["cache_creation_input_tokens"];
  }
  out += sse("message_delta", json::object{{"type", "message_delta"}, {"delta", std::move(d)}, {"usage", usage}});
  out += sse("message_stop", json::object{{"type", "message_stop"}});
  closed_ = true;
  return out;
}

}  // namespace sy::api
