#include "api/chat_types.h"

namespace sy::api {

content_part content_part::make_text(std::string text) {
  content_part p;
  p.kind = part_kind::text;
  p.text = std::move(text);
  return p;
}

content_part content_part::make_image(image_ref image) {
  content_part p;
  p.kind = part_kind::image;
  p.image = std::move(image);
  return p;
}

content_part content_part::make_tool_call(tool_call call) {
  content_part p;
  p.kind = part_kind::tool_call;
  p.call = std::move(call);
  return p;
}

content_part content_part::make_tool_result(tool_result result) {
  content_part p;
  p.kind = part_kind::tool_result;
  p.result = std::move(result);
  return p;
}

content_part content_part::make_reasoning(reasoning_text reasoning) {
  content_part p;
  p.kind = part_kind::reasoning;
  p.reasoning = std::move(reasoning);
  return p;
}

bool token_usage::empty() const {
  return !input_tokens && !output_tokens && !cached_input_tokens && !cache_write_tokens && !reasoning_tokens;
}

void token_usage::merge(const token_usage& later) {
  if (later.input_tokens) input_tokens = later.input_tokens;
  if (later.output_tokens) output_tokens = later.output_tokens;
  if (later.cached_input_tokens) cached_input_tokens = later.cached_input_tokens;
  if (later.cache_write_tokens) cache_write_tokens = later.cache_write_tokens;
  if (later.reasoning_tokens) reasoning_tokens = later.reasoning_tokens;
}

stream_event stream_event::make_start(std::string id, std::string model) {
  stream_event e;
  e.kind = stream_event_kind::start;
  e.id = std::move(id);
  e.model = std::move(model);
  return e;
}

stream_event stream_event::make_text(std::string text) {
  stream_event e;
  e.kind = stream_event_kind::text;
  e.text = std::move(text);
  return e;
}

stream_event stream_event::make_reasoning(std::string text) {
  stream_event e;
  e.kind = stream_event_kind::reasoning;
  e.text = std::move(text);
  return e;
}

stream_event stream_event::make_signature(std::string signature) {
  stream_event e;
  e.kind = stream_event_kind::reasoning_signature;
  e.text = std::move(signature);
  return e;
}

stream_event stream_event::make_tool_call_start(std::size_t index, std::string id, std::string name) {
  stream_event e;
  e.kind = stream_event_kind::tool_call_start;
  e.index = index;
  e.id = std::move(id);
  e.name = std::move(name);
  return e;
}

stream_event stream_event::make_tool_call_arguments(std::size_t index, std::string fragment) {
  stream_event e;
  e.kind = stream_event_kind::tool_call_arguments;
  e.index = index;
  e.text = std::move(fragment);
  return e;
}

stream_event stream_event::make_finish(finish_info finish) {
  stream_event e;
  e.kind = stream_event_kind::finish;
  e.finish = std::move(finish);
  return e;
}

stream_event stream_event::make_usage(token_usage usage) {
  stream_event e;
  e.kind = stream_event_kind::usage;
  e.usage = usage;
  return e;
}

stream_event stream_event::make_error(api_error error) {
  stream_event e;
  e.kind = stream_event_kind::error;
  e.error = std::move(error);
  return e;
}

std::string_view to_string(message_role role) {
  switch (role) {
    case message_role::system: return "system";
    case message_role::user: return "user";
    case message_role::assistant: return "assistant";
    case message_role::tool: return "tool";
  }
  return "user";
}

std::string_view to_string(finish_reason reason) {
  switch (reason) {
    case finish_reason::none: return "none";
    case finish_reason::stop: return "stop";
    case finish_reason::length: return "length";
    case finish_reason::tool_calls: return "tool_calls";
    case finish_reason::content_filter: return "content_filter";
  }
  return "none";
}

std::optional<api_error> refuse_untranslated(const chat_request& request) {
  if (request.untranslated.empty()) return std::nullopt;
  api_error e;
  e.status = 400;
  e.type = "invalid_request_error";
  e.message = "unsupported feature for this target (the request would have to be translated): ";
  for (std::size_t i = 0; i < request.untranslated.size(); ++i) {
    if (i) e.message += ", ";
    e.message += request.untranslated[i];
  }
  e.param = request.untranslated.front();
  return e;
}

std::string_view effort_for_budget(std::int64_t budget_tokens) {
  if (budget_tokens < 4096) return "low";
  if (budget_tokens < 16384) return "medium";
  return "high";
}

std::int64_t budget_for_effort(std::string_view effort) {
  if (effort == "minimal") return 1024;
  if (effort == "low") return 2048;
  if (effort == "high") return 24576;
  return 8192;
}

void note_untranslated(chat_request& request, std::string feature) {
  for (const auto& f : request.untranslated)
    if (f == feature) return;
  request.untranslated.push_back(std::move(feature));
}

std::string joined_text(const std::vector<content_part>& parts) {
  std::string out;
  for (const auto& p : parts)
    if (p.kind == part_kind::text) out += p.text;
  return out;
}

}  // namespace sy::api
