#pragma once
// The canonical chat model: every wire format (OpenAI Chat Completions, Anthropic Messages; later
// Ollama, Gemini, Responses) decodes into these types and encodes from them, so any inbound format
// reaches any outbound one. Plain values, no behaviour beyond small helpers.
//
// Invariants the parsers establish and the writers rely on:
//   - system messages hold text parts only; tool_call and reasoning parts only occur in assistant
//     messages; a tool_result part only occurs alone, in a role::tool message;
//   - tool_call.arguments and tool_definition.parameters are "" or the text of a JSON object;
//   - token counts are >= 0; input_tokens counts every prompt token, cached ones included.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

namespace sy::api {

// A request refused or an upstream failure, in no particular wire format. Each format's
// writer renders it (write_openai_error, write_anthropic_error).
struct api_error {
  unsigned status = 400;
  std::string message;
  std::string type;   // a wire's own error type when known ("overloaded_error"); "" = derive from status
  std::string param;  // the offending request field, when known (OpenAI's "param")
};

// Parsers return the value or the error; they never throw on bad input.
template <class T>
using api_result = std::variant<T, api_error>;

enum class wire_format { openai_chat, anthropic_messages, ollama };

enum class message_role { system, user, assistant, tool };

enum class image_source { url, base64 };

struct image_ref {
  image_source source = image_source::url;
  std::string url;         // source == url: an http(s) URL
  std::string media_type;  // source == base64: "image/png", "image/jpeg", ...
  std::string data;        // source == base64: the payload, still base64
  std::string detail;      // OpenAI's "auto" | "low" | "high"; "" = unset
  bool operator==(const image_ref&) const = default;
};

struct tool_call {
  std::string id;
  std::string name;
  std::string arguments;  // "" or the text of a JSON object
  bool operator==(const tool_call&) const = default;
};

// Gemini's thought signatures carry this prefix in reasoning_text::signature, so that each
// provider only ever gets its own signatures back (Anthropic's writer leaves these out).
inline constexpr std::string_view gemini_signature_prefix = "gemini:";

// Model reasoning: OpenAI-compatible servers' `reasoning_content`, Anthropic's thinking blocks,
// Gemini's thoughts.
struct reasoning_text {
  std::string text;
  std::string signature;      // Anthropic's thinking signature (must go back unchanged)
  std::string redacted_data;  // Anthropic's redacted_thinking block (opaque); text is empty then
  bool operator==(const reasoning_text&) const = default;
};

enum class part_kind { text, image, tool_call, tool_result, reasoning };

struct content_part;

struct tool_result {
  std::string tool_call_id;
  std::vector<content_part> content;  // text and image parts
  bool is_error = false;
  bool operator==(const tool_result&) const;  // defaulted below, once content_part is complete
};

// One piece of a message. Only the member named by `kind` is meaningful.
struct content_part {
  part_kind kind = part_kind::text;
  std::string text;
  image_ref image;
  tool_call call;
  tool_result result;
  reasoning_text reasoning;

  static content_part make_text(std::string text);
  static content_part make_image(image_ref image);
  static content_part make_tool_call(tool_call call);
  static content_part make_tool_result(tool_result result);
  static content_part make_reasoning(reasoning_text reasoning);
  bool operator==(const content_part&) const = default;  // every member, meaningful or not
};
inline bool tool_result::operator==(const tool_result&) const = default;

struct chat_message {
  message_role role = message_role::user;
  std::vector<content_part> content;
  std::string name;  // OpenAI's optional participant name
};

struct tool_definition {
  std::string name;
  std::string description;
  std::string parameters;  // JSON Schema object as JSON text; "" = none given
  std::optional<bool> strict;
};

enum class tool_choice_kind { automatic, none, required, tool };

struct tool_choice {
  tool_choice_kind kind = tool_choice_kind::automatic;
  std::string name;  // kind == tool
};

struct sampling_params {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> top_k;
  std::optional<std::int64_t> max_tokens;  // output tokens
  std::optional<std::int64_t> seed;
  std::optional<double> presence_penalty;
  std::optional<double> frequency_penalty;
};

enum class response_format_kind { text, json_object, json_schema };

struct response_format {
  response_format_kind kind = response_format_kind::text;
  std::string name;    // json_schema
  std::string schema;  // json_schema: the schema as JSON text
  std::string description;
  std::optional<bool> strict;
};

// How much the model may reason: OpenAI's reasoning_effort, Anthropic's thinking budget.
struct reasoning_config {
  bool enabled = true;
  std::string effort;                         // "minimal" | "low" | "medium" | "high"; "" = unset
  std::optional<std::int64_t> budget_tokens;  // Anthropic's thinking.budget_tokens
};

struct chat_request {
  wire_format source = wire_format::openai_chat;
  std::string model;
  std::vector<chat_message> messages;  // system messages included, in order
  std::vector<tool_definition> tools;
  std::optional<tool_choice> choice;
  std::optional<bool> parallel_tool_calls;
  std::vector<std::string> stop;
  sampling_params sampling;
  std::optional<response_format> format;
  std::optional<reasoning_config> reasoning;
  std::string user;
  bool stream = false;
  bool stream_usage = false;  // OpenAI's stream_options.include_usage (Anthropic streams always carry usage)
  // Top-level members of the source wire with no canonical field and harmless to drop
  // (e.g. OpenAI "store", "metadata"); written back only when encoding for the same wire.
  boost::json::object extra;
  // Features of the source request that have no canonical form and were left out
  // ("n", "logprobs", "document content", ...). A caller that translates refuses with 400
  // (see refuse_untranslated); a same-format relay may pass the original bytes instead.
  std::vector<std::string> untranslated;
};

struct token_usage {
  std::optional<std::int64_t> input_tokens;         // every prompt token, cached ones included
  std::optional<std::int64_t> output_tokens;        // reasoning tokens included
  std::optional<std::int64_t> cached_input_tokens;  // read from a prompt cache
  std::optional<std::int64_t> cache_write_tokens;   // Anthropic's cache_creation_input_tokens
  std::optional<std::int64_t> reasoning_tokens;     // OpenAI's completion_tokens_details.reasoning_tokens
  bool empty() const;
  // Takes every count `later` has (streams report usage in pieces).
  void merge(const token_usage& later);
  bool operator==(const token_usage&) const = default;
};

enum class finish_reason { none, stop, length, tool_calls, content_filter };

struct finish_info {
  finish_reason reason = finish_reason::none;  // none = not known (yet)
  std::string raw;                             // the provider's own word ("end_turn", "stop", ...)
  std::string stop_sequence;                   // which stop sequence matched, when told
  bool operator==(const finish_info&) const = default;
};

struct chat_response {
  std::string id;
  std::string model;
  std::int64_t created = 0;           // unix seconds
  std::vector<content_part> content;  // the assistant's output in order: reasoning, text, tool calls
  finish_info finish;
  token_usage usage;
  bool operator==(const chat_response&) const = default;
};

// One step of a streamed response. Encoders accept any order a decoder produces; a stream is
// start? (text | reasoning | reasoning_signature | redacted_reasoning | tool_call_start |
// tool_call_arguments)* finish? usage? — or ends with error at any point.
enum class stream_event_kind {
  start,                // the assistant message begins: id, model, usage (input so far)
  text,                 // text delta
  reasoning,            // reasoning delta
  reasoning_signature,  // signature of the current reasoning block
  redacted_reasoning,   // a whole redacted reasoning block (text = opaque data)
  tool_call_start,      // index, id, name
  tool_call_arguments,  // index, text = a fragment of the arguments JSON
  finish,               // finish
  usage,                // usage (counts known so far; later events supersede)
  error,                // error; nothing follows
};

struct stream_event {
  stream_event_kind kind = stream_event_kind::text;
  std::string text;
  std::size_t index = 0;  // tool_call_*: the call's position among this message's tool calls
  std::string id;         // start: message id; tool_call_start: call id
  std::string model;      // start
  std::string name;       // tool_call_start: function name
  finish_info finish;
  token_usage usage;
  api_error error;

  static stream_event make_start(std::string id, std::string model);
  static stream_event make_text(std::string text);
  static stream_event make_reasoning(std::string text);
  static stream_event make_signature(std::string signature);
  static stream_event make_tool_call_start(std::size_t index, std::string id, std::string name);
  static stream_event make_tool_call_arguments(std::size_t index, std::string fragment);
  static stream_event make_finish(finish_info finish);
  static stream_event make_usage(token_usage usage);
  static stream_event make_error(api_error error);
};

// Bounds every parser applies on top of the server's body size limit.
struct parse_limits {
  std::size_t max_messages = 10'000;
  std::size_t max_parts = 2'000;  // content parts per message
  std::size_t max_tools = 1'000;
  std::size_t max_stop = 32;          // stop sequences
  std::size_t max_name_bytes = 256;   // tool names, ids, roles, media types
  std::size_t max_stop_bytes = 4096;  // one stop sequence
  std::size_t max_model_bytes = 512;
  std::size_t max_string_bytes = 64u << 20;  // any one text, schema, image payload
  unsigned max_json_depth = 64;
};

std::string_view to_string(message_role role);
std::string_view to_string(finish_reason reason);

// 400 naming every feature in `request.untranslated`, or nothing when it is empty.
std::optional<api_error> refuse_untranslated(const chat_request& request);

// Reasoning effort <-> thinking budget, for targets that speak only one of them:
// budget < 4096 is "low", < 16384 "medium", else "high"; minimal 1024, low 2048, medium 8192,
// high 24576 tokens. Unknown efforts count as medium.
std::string_view effort_for_budget(std::int64_t budget_tokens);
std::int64_t budget_for_effort(std::string_view effort);

// Adds `feature` to request.untranslated once.
void note_untranslated(chat_request& request, std::string feature);

// The concatenated text parts of `parts`.
std::string joined_text(const std::vector<content_part>& parts);

}  // namespace sy::api
