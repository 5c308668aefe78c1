#pragma once
// Internal to src/api: the pieces of a Gemini reply shared by the whole-response and stream
// translators.
#include <string>
#include <string_view>
#include <vector>

#include "api/chat_types.h"
#include "api/json_read.h"

namespace sy::api::detail {

struct gemini_part {
  std::string text;
  bool thought = false;
  std::string signature;  // thoughtSignature
  bool is_call = false;
  tool_call call;  // is_call: name, id (may be empty), arguments (JSON object text)
};

// The first candidate of a GenerateContentResponse (Switchyard never asks for more) and the
// prompt's block reason.
struct gemini_candidate {
  std::vector<gemini_part> parts;
  std::string finish_reason;  // "" = not yet (streams)
  std::string block_reason;   // promptFeedback.blockReason: the prompt was refused
};

bool read_gemini_candidate(json_reader& rd, const boost::json::object& response, gemini_candidate& out);
// usageMetadata (absent: `out` unchanged).
bool read_gemini_usage(json_reader& rd, const boost::json::object& response, token_usage& out);
// A call's id: `given`, or one made from the response id and the call's index.
std::string gemini_call_id(std::string_view response_id, std::size_t index, const std::string& given);

}  // namespace sy::api::detail
