#pragma once
// Google's Gemini API (generateContent, streamGenerateContent, batchEmbedContents, models.list)
// as an upstream: canonical requests out, Gemini's answers and streams back into the canonical
// model. Switchyard does not serve Gemini's API to clients, so only these directions exist.
//
// Translation notes:
//   - system messages become `systemInstruction`; assistant turns are role "model"; tool results
//     are `functionResponse` parts of a user turn (named after the call they answer, which is
//     looked up by id in the earlier assistant turns); consecutive turns of one role are merged;
//   - images must be inline (base64): Gemini reads URLs only from its own file store, so an
//     http(s) image is refused with a 400;
//   - tool parameters go out as `parametersJsonSchema` and JSON-schema output as
//     `responseJsonSchema` (full JSON Schema, not the older OpenAPI subset);
//   - reasoning: effort or budget becomes thinkingConfig.thinkingBudget with includeThoughts;
//     thought parts come back as reasoning, a part's thoughtSignature as a reasoning signature
//     (prefixed "gemini:" so that it only ever goes back to Gemini).
//     Signatures go back on the function calls of the turn they came with; a call with none
//     (the history came from another model or an OpenAI client, which cannot carry them) gets
//     Google's documented "skip_thought_signature_validator" so that Gemini 3 accepts it;
//   - Gemini's calls may have no id: one is made from the response id and the call's index;
//   - finish reasons: STOP -> stop (tool_calls when the turn called functions), MAX_TOKENS ->
//     length, SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY and a
//     blocked prompt -> content_filter; others -> stop, with the word kept in finish.raw;
//   - usage: promptTokenCount (cached tokens included) + toolUsePromptTokenCount in,
//     candidatesTokenCount + thoughtsTokenCount out.
// Parsers never throw on bad input; reply errors are 502.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat_types.h"

namespace sy::api {

// The upstream path of a model's method: "/models/gemini-2.5-flash:generateContent"; a
// "models/" or "tunedModels/" prefix is kept, anything but [A-Za-z0-9._-] in the name is refused
// (the name becomes part of a URL).
api_result<std::string> gemini_method_path(std::string_view model, std::string_view method);

// The request body of generateContent / streamGenerateContent (the model goes in the path).
api_result<std::string> write_gemini_request(const chat_request& request);

api_result<chat_response> parse_gemini_response(std::string_view body, const parse_limits& limits = {});

finish_info gemini_finish(std::string_view finish_reason, bool called_tools);

// One `data:` payload of `streamGenerateContent?alt=sse` at a time (each is a whole
// GenerateContentResponse holding the next piece). Gemini's stream has no end marker: it is
// complete once a candidate's finishReason arrived (done()). An `{"error":...}` payload or a
// malformed one becomes an error event.
class gemini_stream_decoder {
 public:
  explicit gemini_stream_decoder(const parse_limits& limits = {}) : limits_(limits) {}
  std::vector<stream_event> decode(std::string_view payload);
  bool done() const { return done_; }

 private:
  parse_limits limits_;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::string id_;
  std::size_t tools_ = 0;
};

// An OpenAI /v1/embeddings request -> a batchEmbedContents body (one request per input;
// `dimensions` becomes outputDimensionality; token-array inputs are refused: Gemini embeds text),
// and the model's path name ("models/<name>") with it. Gemini's answer -> an OpenAI embeddings
// list (Gemini reports no token counts: usage is 0); `base64`: each vector as OpenAI's base64 of
// little-endian float32s (encoding_format "base64", the OpenAI SDKs' default).
struct gemini_embed_request {
  std::string model;  // as sent in the body: "models/<name>"
  std::string body;
  bool base64 = false;  // the client asked for base64 vectors
};
api_result<gemini_embed_request> openai_embeddings_request_to_gemini(std::string_view body,
                                                                     const parse_limits& limits = {});
api_result<std::string> gemini_embeddings_to_openai(std::string_view body, std::string_view model, bool base64,
                                                    const parse_limits& limits = {});

// models.list: each model's name ("gemini-2.5-flash", without "models/") and what it says of
// it, and nextPageToken.
struct gemini_model {
  std::string name;
  std::optional<std::int64_t> input_token_limit;
  std::vector<std::string> methods;  // supportedGenerationMethods: generateContent, embedContent, ...
  std::optional<bool> thinking;
};
struct gemini_model_page {
  std::vector<gemini_model> models;
  std::string next_page_token;
};
api_result<gemini_model_page> parse_gemini_models(std::string_view body, const parse_limits& limits = {});

// {"error":{"code","message","status"}} (or anything else) as an api_error with `status`
// (0: the error's own code, for errors inside a stream).
api_error parse_gemini_error(unsigned status, std::string_view body);

}  // namespace sy::api
