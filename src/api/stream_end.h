#pragma once
// Whether one whole payload of a stream relayed as the upstream sent it (a client of the
// upstream's own API) ends that stream: the API's own last event, or an error the client reads
// as one. A body that ends at the HTTP level before such a payload came was cut short, and the
// gateway ends it with an error instead of letting the client take it for a whole answer.
//
// Scans, not parses (the relay's fast path reads every event): keys are matched only where a
// JSON string cannot hold them, and any input is safe (the answer for one that is not JSON is
// unspecified but the scan stays within it).
#include <string_view>

namespace sy::api {

// An SSE `data:` payload of an OpenAI chat (or completions) stream: `[DONE]`, an
// `{"error":...}` payload, or a chunk with a finish_reason that is not null.
bool openai_payload_ends_stream(std::string_view data);

// An SSE `data:` payload of an Anthropic Messages stream: {"type":"message_stop"} or
// {"type":"error",...}.
bool anthropic_payload_ends_stream(std::string_view data);

// One line of an Ollama NDJSON stream: "done":true, or {"error":...}.
bool ollama_line_ends_stream(std::string_view line);

}  // namespace sy::api
