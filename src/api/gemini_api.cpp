#include "api/gemini_api.h"

#include <limits>

#include "api/gemini_wire.h"
#include "api/json_read.h"
#include "api/utf8_text.h"

namespace sy::api {

namespace {

using namespace detail;

// Gemini 3 refuses a replayed function call without the signature it came with; Google documents
// this value for histories that cannot carry one.
constexpr std::string_view skip_signature = "skip_thought_signature_validator";

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

json::object text_part(const std::string& text) {
  return json::object{{"text", text}};
}

std::optional<api_error> image_part(const image_ref& img, json::object& out) {
  if (img.source != image_source::base64)
    return api_error{400,
                     "a Gemini target takes images inline only: send the image as a base64 data: URL, not " +
                         utf8_prefix(img.url, 200),
                     "invalid_request_error", "image_url"};
  out = json::object{{"inlineData", json::object{{"mimeType", img.media_type}, {"data", img.data}}}};
  return std::nullopt;
}

// A tool result's `response` object: the result itself when it is a JSON object, else
// {"result": text} ({"error": text} for a failed call).
json::object function_response(const tool_result& r, unsigned max_depth) {
  auto text = joined_text(r.content);
  if (!r.is_error && is_json_object_text(text, max_depth)) return object_from_text(text);
  return json::object{{r.is_error ? "error" : "result", text}};
}

// Appends `part` to the last turn when it has `role`, else starts a turn (Gemini wants turns to
// alternate).
void add_part(json::array& contents, std::string_view role, json::object part) {
  if (!contents.empty() && contents.back().as_object()["role"].as_string() == role) {
    contents.back().as_object()["parts"].as_array().push_back(std::move(part));
    return;
  }
  contents.push_back(json::object{{"role", role}, {"parts", json::array{std::move(part)}}});
}

// The name of the call `id` answers: the nearest earlier assistant call with that id.
const tool_call* find_call(const std::vector<chat_message>& messages, std::size_t before, const std::string& id) {
  for (std::size_t i = before; i-- > 0;) {
    if (messages[i].role != message_role::assistant) continue;
    for (const auto& p : messages[i].content)
      if (p.kind == part_kind::tool_call && p.call.id == id) return &p.call;
  }
  return nullptr;
}

json::object generation_config(const chat_request& r) {
  json::object g;
  if (!r.stop.empty()) {
    json::array stop;
    for (const auto& s : r.stop) stop.push_back(json::string(s));
    g["stopSequences"] = std::move(stop);
  }
  const auto& s = r.sampling;
  if (s.temperature) g["temperature"] = *s.temperature;
  if (s.top_p) g["topP"] = *s.top_p;
  if (s.top_k && *s.top_k > 0) g["topK"] = *s.top_k;
  if (s.max_tokens) g["maxOutputTokens"] = *s.max_tokens;
  if (s.seed) g["seed"] = *s.seed;
  if (s.presence_penalty) g["presencePenalty"] = *s.presence_penalty;
  if (s.frequency_penalty) g["frequencyPenalty"] = *s.frequency_penalty;
  if (r.format && r.format->kind != response_format_kind::text) {
    g["responseMimeType"] = "application/json";
    if (r.format->kind == response_format_kind::json_schema && !r.format->schema.empty())
      g["responseJsonSchema"] = object_from_text(r.format->schema);
  }
  if (r.reasoning) {
    if (!r.reasoning->enabled)
      g["thinkingConfig"] = json::object{{"thinkingBudget", 0}};
    else
      g["thinkingConfig"] =
          json::object{{"thinkingBudget", r.reasoning->budget_tokens.value_or(budget_for_effort(r.reasoning->effort))},
                       {"includeThoughts", true}};
  }
  return g;
}

json::object tool_config(const tool_choice& c) {
  json::object f;
  switch (c.kind) {
    case tool_choice_kind::automatic: f["mode"] = "AUTO"; break;
    case tool_choice_kind::none: f["mode"] = "NONE"; break;
    case tool_choice_kind::required: f["mode"] = "ANY"; break;
    case tool_choice_kind::tool:
      f["mode"] = "ANY";
      f["allowedFunctionNames"] = json::array{json::string(c.name)};
      break;
  }
  return json::object{{"functionCallingConfig", std::move(f)}};
}

}  // namespace

api_result<std::string> gemini_method_path(std::string_view model, std::string_view method) {
  std::string_view collection = "models";
  for (std::string_view prefix : {"models/", "tunedModels/"})
    if (model.starts_with(prefix)) {
      collection = prefix.substr(0, prefix.size() - 1);
      model.remove_prefix(prefix.size());
      break;
    }
  bool ok = !model.empty() && model.size() <= 256 && model.front() != '.';
  for (char c : model) ok = ok && name_char(c);
  if (!ok)
    return api_error{400, "model '" + utf8_prefix(model, 256) + "' is not a Gemini model name", "invalid_request_error",
                     "model"};
  return "/" + std::string(collection) + "/" + std::string(model) + ":" + std::string(method);
}

api_result<std::string> write_gemini_request(const chat_request& r) {
  json::object o;
  json::array system;
  json::array contents;
  const parse_limits limits;
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    const auto& m = r.messages[i];
    switch (m.role) {
      case message_role::system:
        for (const auto& p : m.content)
          if (p.kind == part_kind::text) system.push_back(text_part(p.text));
        break;
      case message_role::user:
        for (const auto& p : m.content) {
          if (p.kind == part_kind::text) add_part(contents, "user", text_part(p.text));
          if (p.kind == part_kind::image) {
            json::object part;
            if (auto err = image_part(p.image, part)) return *err;
            add_part(contents, "user", std::move(part));
          }
        }
        break;
      case message_role::tool:
        for (const auto& p : m.content) {
          if (p.kind != part_kind::tool_result) continue;
          const auto* call = find_call(r.messages, i, p.result.tool_call_id);
          if (!call)
            return api_error{400,
                             "a tool result answers call '" + p.result.tool_call_id +
                                 "', which no earlier assistant message made (a Gemini target needs the function's "
                                 "name)",
                             "invalid_request_error", "messages"};
          add_part(contents, "user",
                   json::object{{"functionResponse",
                                 json::object{{"name", call->name},
                                              {"response", function_response(p.result, limits.max_json_depth)}}}});
          for (const auto& q : p.result.content)  // images a tool returned follow as plain parts
            if (q.kind == part_kind::image) {
              json::object part;
              if (auto err = image_part(q.image, part)) return *err;
              add_part(contents, "user", std::move(part));
            }
        }
        break;
      case message_role::assistant: {
        std::string signature;  // from the reasoning before a call: goes on that call
        bool signed_call = false;
        for (const auto& p : m.content) {
          // only Gemini's own signatures go back to it (a Claude turn's would be refused)
          if (p.kind == part_kind::reasoning && p.reasoning.signature.starts_with(gemini_signature_prefix))
            signature = p.reasoning.signature.substr(gemini_signature_prefix.size());
          if (p.kind == part_kind::text && !p.text.empty()) add_part(contents, "model", text_part(p.text));
          if (p.kind == part_kind::tool_call) {
            json::object part{
                {"functionCall", json::object{{"name", p.call.name}, {"args", object_from_text(p.call.arguments)}}}};
            // Gemini signs the first call of a turn; later parallel calls carry none
            if (!signature.empty())
              part["thoughtSignature"] = std::exchange(signature, {});
            else if (!signed_call)
              part["thoughtSignature"] = skip_signature;
            signed_call = true;
            add_part(contents, "model", std::move(part));
          }
        }
        break;
      }
    }
  }
  if (contents.empty())
    return api_error{400, "messages: a Gemini target needs at least one user or assistant turn",
                     "invalid_request_error", "messages"};
  if (!system.empty()) o["systemInstruction"] = json::object{{"parts", std::move(system)}};
  o["contents"] = std::move(contents);
  if (!r.tools.empty()) {
    json::array declarations;
    for (const auto& t : r.tools) {
      json::object d{{"name", t.name}};
      if (!t.description.empty()) d["description"] = t.description;
      if (!t.parameters.empty()) d["parametersJsonSchema"] = object_from_text(t.parameters);
      declarations.push_back(std::move(d));
    }
    o["tools"] = json::array{json::object{{"functionDeclarations", std::move(declarations)}}};
    if (r.choice) o["toolConfig"] = tool_config(*r.choice);
  }
  if (auto g = generation_config(r); !g.empty()) o["generationConfig"] = std::move(g);
  return json::serialize(o);
}

// ---- responses

finish_info gemini_finish(std::string_view raw, bool called_tools) {
  finish_info f;
  f.raw = std::string(raw);
  static constexpr std::string_view filtered[] = {"SAFETY",
                                                  "RECITATION",
                                                  "BLOCKLIST",
                                                  "PROHIBITED_CONTENT",
                                                  "SPII",
                                                  "IMAGE_SAFETY",
                                                  "IMAGE_PROHIBITED_CONTENT",
                                                  "LANGUAGE",
                                                  "IMAGE_RECITATION"};
  f.reason = finish_reason::stop;
  if (raw == "MAX_TOKENS") f.reason = finish_reason::length;
  for (auto w : filtered)
    if (raw == w) f.reason = finish_reason::content_filter;
  if (f.reason == finish_reason::stop && called_tools) f.reason = finish_reason::tool_calls;
  return f;
}

namespace detail {

std::string gemini_call_id(std::string_view response_id, std::size_t index, const std::string& given) {
  if (!given.empty()) return given;
  return "call_" + (response_id.empty() ? std::string("gemini") : std::string(response_id.substr(0, 64))) + "_" +
         std::to_string(index);
}

bool read_gemini_usage(json_reader& rd, const json::object& o, token_usage& out) {
  auto* u = member(o, "usageMetadata");
  if (!u) return true;
  auto* uo = rd.object(*u, "usageMetadata");
  if (!uo) return false;
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  std::optional<std::int64_t> prompt, tool_prompt, candidates, thoughts, cached;
  if (!rd.integer_member(*uo, "promptTokenCount", "usageMetadata", prompt, 0, max) ||
      !rd.integer_member(*uo, "toolUsePromptTokenCount", "usageMetadata", tool_prompt, 0, max) ||
      !rd.integer_member(*uo, "candidatesTokenCount", "usageMetadata", candidates, 0, max) ||
      !rd.integer_member(*uo, "thoughtsTokenCount", "usageMetadata", thoughts, 0, max) ||
      !rd.integer_member(*uo, "cachedContentTokenCount", "usageMetadata", cached, 0, max))
    return false;
  if (prompt || tool_prompt) out.input_tokens = add_counts(prompt.value_or(0), tool_prompt.value_or(0));
  if (candidates || thoughts) out.output_tokens = add_counts(candidates.value_or(0), thoughts.value_or(0));
  if (thoughts) out.reasoning_tokens = thoughts;
  if (cached) out.cached_input_tokens = cached;
  return true;
}

bool read_gemini_candidate(json_reader& rd, const json::object& o, gemini_candidate& out) {
  const auto& lim = rd.limits();
  if (auto* feedback = member(o, "promptFeedback")) {
    auto* fo = rd.object(*feedback, "promptFeedback");
    if (!fo || !rd.string_member(*fo, "blockReason", "promptFeedback", out.block_reason, lim.max_name_bytes))
      return false;
  }
  auto* cv = member(o, "candidates");
  if (!cv) return true;
  auto* candidates = rd.array(*cv, "candidates", 64);
  if (!candidates) return false;
  if (candidates->empty()) return true;
  auto* c = rd.object(candidates->front(), "candidates[0]");
  if (!c || !rd.string_member(*c, "finishReason", "candidates[0]", out.finish_reason, lim.max_name_bytes)) return false;
  auto* content = member(*c, "content");
  if (!content) return true;
  auto* co = rd.object(*content, "candidates[0].content");
  if (!co) return false;
  auto* pv = member(*co, "parts");
  if (!pv) return true;
  auto* parts = rd.array(*pv, "candidates[0].content.parts", lim.max_parts);
  if (!parts) return false;
  for (std::size_t i = 0; i < parts->size(); ++i) {
    auto path = path_of("candidates[0].content.parts", i);
    auto* p = rd.object((*parts)[i], path);
    if (!p) return false;
    gemini_part part;
    std::optional<bool> thought;
    if (!rd.string_member(*p, "text", path, part.text, lim.max_string_bytes) ||
        !rd.boolean_member(*p, "thought", path, thought) ||
        !rd.string_member(*p, "thoughtSignature", path, part.signature, lim.max_string_bytes))
      return false;
    part.thought = thought.value_or(false);
    if (auto* fc = member(*p, "functionCall")) {
      auto fpath = path_of(path, "functionCall");
      auto* f = rd.object(*fc, fpath);
      if (!f || !rd.string_member(*f, "name", fpath, part.call.name, lim.max_name_bytes) ||
          !rd.string_member(*f, "id", fpath, part.call.id, lim.max_name_bytes) ||
          !rd.object_text_member(*f, "args", fpath, part.call.arguments))
        return false;
      if (part.call.name.empty()) return rd.fail(path_of(fpath, "name"), "missing");
      if (part.call.arguments.empty()) part.call.arguments = "{}";
      part.is_call = true;
    }
    out.parts.push_back(std::move(part));
  }
  return true;
}

}  // namespace detail

api_result<chat_response> parse_gemini_response(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "response body");
  if (!o) return rd.take_error();
  chat_response resp;
  gemini_candidate cand;
  if (!rd.string_member(*o, "responseId", "", resp.id, limits.max_name_bytes) ||
      !rd.string_member(*o, "modelVersion", "", resp.model, limits.max_model_bytes) ||
      !read_gemini_candidate(rd, *o, cand) || !read_gemini_usage(rd, *o, resp.usage))
    return rd.take_error();
  std::size_t calls = 0;
  for (auto& p : cand.parts) {
    if (!p.signature.empty()) {  // on the thought before it when there is one, else alone
      auto signature = std::string(gemini_signature_prefix) + p.signature;
      if (!resp.content.empty() && resp.content.back().kind == part_kind::reasoning &&
          resp.content.back().reasoning.signature.empty())
        resp.content.back().reasoning.signature = std::move(signature);
      else
        resp.content.push_back(content_part::make_reasoning(reasoning_text{{}, std::move(signature), {}}));
    }
    if (p.is_call) {
      p.call.id = gemini_call_id(resp.id, calls++, p.call.id);
      resp.content.push_back(content_part::make_tool_call(std::move(p.call)));
    } else if (p.thought) {
      resp.content.push_back(content_part::make_reasoning(reasoning_text{std::move(p.text), {}, {}}));
    } else if (!p.text.empty()) {
      resp.content.push_back(content_part::make_text(std::move(p.text)));
    }
  }
  if (!cand.block_reason.empty()) {
    resp.finish = gemini_finish(cand.block_reason, false);
    resp.finish.reason = finish_reason::content_filter;  // the prompt itself was blocked
  } else if (!cand.finish_reason.empty()) {
    resp.finish = gemini_finish(cand.finish_reason, calls > 0);
  } else {
    return api_error{502, "upstream reply: candidates: no candidate and no promptFeedback", "api_error", {}};
  }
  return resp;
}

// ---- embeddings

api_result<gemini_embed_request> openai_embeddings_request_to_gemini(std::string_view body,
                                                                     const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  if (!o) return rd.take_error();
  std::string model, encoding;
  std::optional<std::int64_t> dimensions;
  if (!rd.string_member(*o, "model", "", model, limits.max_model_bytes) ||
      !rd.integer_member(*o, "dimensions", "", dimensions, 1, 1 << 20) ||
      !rd.string_member(*o, "encoding_format", "", encoding, 32))
    return rd.take_error();
  if (!encoding.empty() && encoding != "float" && encoding != "base64")
    return api_error{400, "encoding_format: expected \"float\" or \"base64\"", "invalid_request_error",
                     "encoding_format"};
  auto path = gemini_method_path(model, "batchEmbedContents");
  if (auto* err = std::get_if<api_error>(&path)) return *err;
  auto name = model.starts_with("models/") || model.starts_with("tunedModels/") ? model : "models/" + model;
  auto* in = member(*o, "input");
  if (!in) return api_error{400, "input: missing", "invalid_request_error", "input"};
  std::vector<std::string> inputs;
  if (in->is_string()) {
    inputs.emplace_back();
    if (!rd.string(*in, "input", inputs.back(), limits.max_string_bytes)) return rd.take_error();
  } else {
    auto* items = rd.array(*in, "input", 100);  // batchEmbedContents takes at most 100
    if (!items) return rd.take_error();
    for (std::size_t i = 0; i < items->size(); ++i) {
      if (!(*items)[i].is_string())
        return api_error{400, "input: a Gemini target embeds text, not token arrays", "invalid_request_error", "input"};
      inputs.emplace_back();
      if (!rd.string((*items)[i], path_of("input", i), inputs.back(), limits.max_string_bytes)) return rd.take_error();
    }
  }
  if (inputs.empty()) return api_error{400, "input: must not be empty", "invalid_request_error", "input"};
  json::array requests;
  for (auto& text : inputs) {
    json::object req{{"model", name}, {"content", json::object{{"parts", json::array{text_part(text)}}}}};
    if (dimensions) req["outputDimensionality"] = *dimensions;
    requests.push_back(std::move(req));
  }
  return gemini_embed_request{name, json::serialize(json::object{{"requests", std::move(requests)}}),
                              encoding == "base64"};
}

api_result<std::string> gemini_embeddings_to_openai(std::string_view body, std::string_view model, bool base64,
                                                    const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "response body");
  if (!o) return rd.take_error();
  auto* ev = member(*o, "embeddings");
  if (!ev) return api_error{502, "upstream reply: embeddings: missing", "api_error", {}};
  auto* items = rd.array(*ev, "embeddings", limits.max_messages);
  if (!items) return rd.take_error();
  json::array data;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto path = path_of("embeddings", i);
    auto* e = rd.object((*items)[i], path);
    if (!e) return rd.take_error();
    auto* vv = member(*e, "values");
    if (!vv) return api_error{502, "upstream reply: " + path + ".values: missing", "api_error", {}};
    auto* values = rd.array(*vv, path_of(path, "values"), 1 << 20);
    if (!values) return rd.take_error();
    json::array vector;
    vector.reserve(values->size());
    for (std::size_t j = 0; j < values->size(); ++j) {
      double x = 0;
      if (!rd.number((*values)[j], path_of(path_of(path, "values"), j), x)) return rd.take_error();
      vector.push_back(x);
    }
    json::value embedding = base64 ? json::value(base64_float32(vector)) : json::value(std::move(vector));
    data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  return json::serialize(json::object{{"object", "list"},
                                      {"data", std::move(data)},
                                      {"model", model},
                                      {"usage", json::object{{"prompt_tokens", 0}, {"total_tokens", 0}}}});
}

// ---- model list

api_result<gemini_model_page> parse_gemini_models(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "model list");
  if (!o) return rd.take_error();
  gemini_model_page page;
  if (!rd.string_member(*o, "nextPageToken", "", page.next_page_token, 1024)) return rd.take_error();
  auto* mv = member(*o, "models");
  if (!mv) return page;  // an empty page
  auto* models = rd.array(*mv, "models", 10'000);
  if (!models) return rd.take_error();
  for (std::size_t i = 0; i < models->size(); ++i) {
    auto* m = rd.object((*models)[i], path_of("models", i));
    if (!m) return rd.take_error();
    auto path = path_of("models", i);
    gemini_model model;
    if (!rd.string_member(*m, "name", path, model.name, limits.max_model_bytes) ||
        !rd.integer_member(*m, "inputTokenLimit", path, model.input_token_limit, 0,
                           std::numeric_limits<std::int64_t>::max()) ||
        !rd.boolean_member(*m, "thinking", path, model.thinking))
      return rd.take_error();
    if (auto* methods = member(*m, "supportedGenerationMethods")) {
      auto* list = rd.array(*methods, path_of(path, "supportedGenerationMethods"), 64);
      if (!list) return rd.take_error();
      for (std::size_t j = 0; j < list->size(); ++j) {
        std::string method;
        if (!rd.string((*list)[j], path_of(path_of(path, "supportedGenerationMethods"), j), method, 64))
          return rd.take_error();
        model.methods.push_back(std::move(method));
      }
    }
    if (model.name.starts_with("models/")) model.name.erase(0, 7);
    if (!model.name.empty()) page.models.push_back(std::move(model));
  }
  return page;
}

// ---- errors

api_error parse_gemini_error(unsigned status, std::string_view body) {
  api_error e{status ? status : 502, "upstream returned HTTP " + std::to_string(status), {}, {}};
  auto v = parse_error_body(body);
  const json::object* err = nullptr;
  if (v.is_object()) {
    if (auto* x = member(v.as_object(), "error"); x && x->is_object()) err = &x->as_object();
  } else if (v.is_array() && !v.as_array().empty() && v.as_array()[0].is_object()) {
    // some Google front ends wrap the error in an array
    if (auto* x = member(v.as_array()[0].as_object(), "error"); x && x->is_object()) err = &x->as_object();
  }
  if (!err) {
    if (!body.empty()) e.message = utf8_prefix(body, 300);  // may be any bytes
    return e;
  }
  if (auto* code = member(*err, "code");
      status == 0 && code && code->is_int64() && code->as_int64() >= 400 && code->as_int64() <= 599)
    e.status = static_cast<unsigned>(code->as_int64());
  if (auto* m = member(*err, "message"); m && m->is_string() && !m->as_string().empty())
    e.message = utf8_prefix(m->as_string(), 2000);
  if (auto* s = member(*err, "status"); s && s->is_string())
    e.message = utf8_prefix(s->as_string(), 64) + ": " + e.message;
  return e;
}

}  // namespace sy::api
