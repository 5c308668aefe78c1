#pragma once
// A streaming chat completion against a gateway on 127.0.0.1, for `switchyard run`: sends the
// request, then hands each piece of generated text to a callback as its SSE event arrives.
// Blocking; one request per call.
#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace sy::cli {

struct chat_result {
  bool ok = false;
  std::string error;          // the gateway's or upstream's message when !ok
  std::string text;           // everything streamed (the assistant's answer)
  std::string finish_reason;  // "stop", "length", ...
  long prompt_tokens = -1, completion_tokens = -1;
  double first_token_s = 0, total_s = 0;
};

// POSTs {"model", "messages", "stream": true, ...extra} to /v1/chat/completions. `on_text` gets
// each piece of reasoning and content as it streams (result.text keeps the content only).
// A stream that ends without [DONE], or with an error event, is an error. Never throws.
chat_result stream_chat(unsigned short port, const std::vector<std::string>& headers, const std::string& model,
                        const boost::json::array& messages, const boost::json::object& extra,
                        const std::function<void(std::string_view)>& on_text);

}  // namespace sy::cli
