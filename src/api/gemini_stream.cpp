// gemini_stream_decoder: streamGenerateContent's SSE payloads -> canonical stream events.
#include "api/gemini_api.h"
#include "api/gemini_wire.h"

namespace sy::api {

using namespace detail;

std::vector<stream_event> gemini_stream_decoder::decode(std::string_view payload) {
  std::vector<stream_event> out;
  if (failed_ || done_) return out;  // nothing follows an error or the finish
  auto fail = [&](api_error e) {
    failed_ = true;
    out.push_back(stream_event::make_error(std::move(e)));
    return out;
  };
  json_reader rd(limits_, 502);
  auto o = rd.parse_object(payload, "stream event");
  if (!o) return fail(rd.take_error());
  if (member(*o, "error")) return fail(parse_gemini_error(0, payload));  // the status is in the error
  std::string model;
  gemini_candidate cand;
  token_usage usage;
  if (!started_ && (!rd.string_member(*o, "responseId", "", id_, limits_.max_name_bytes) ||
                    !rd.string_member(*o, "modelVersion", "", model, limits_.max_model_bytes)))
    return fail(rd.take_error());
  if (!read_gemini_candidate(rd, *o, cand) || !read_gemini_usage(rd, *o, usage)) return fail(rd.take_error());
  if (!started_) {
    started_ = true;
    out.push_back(stream_event::make_start(id_, std::move(model)));
  }
  for (auto& p : cand.parts) {
    if (!p.signature.empty())
      out.push_back(stream_event::make_signature(std::string(gemini_signature_prefix) + p.signature));
    if (p.is_call) {  // Gemini sends each call whole
      auto index = tools_++;
      out.push_back(
          stream_event::make_tool_call_start(index, gemini_call_id(id_, index, p.call.id), std::move(p.call.name)));
      out.push_back(stream_event::make_tool_call_arguments(index, std::move(p.call.arguments)));
    } else if (!p.text.empty()) {
      out.push_back(p.thought ? stream_event::make_reasoning(std::move(p.text))
                              : stream_event::make_text(std::move(p.text)));
    }
  }
  if (!cand.block_reason.empty()) {
    auto f = gemini_finish(cand.block_reason, false);
    f.reason = finish_reason::content_filter;
    out.push_back(stream_event::make_finish(std::move(f)));
    done_ = true;
  } else if (!cand.finish_reason.empty()) {
    out.push_back(stream_event::make_finish(gemini_finish(cand.finish_reason, tools_ > 0)));
    done_ = true;
  }
  if (!usage.empty()) out.push_back(stream_event::make_usage(usage));
  return out;
}

}  // namespace sy::api
