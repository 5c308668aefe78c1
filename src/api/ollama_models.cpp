// Ollama model listings (/api/tags, /api/ps, /api/show, /api/version) and error bodies (see
// ollama_api.h).
#include "api/ollama_api.h"

#include "api/json_read.h"
#include "api/ollama_wire.h"
#include "api/utf8_text.h"
#include "core/rfc3339.h"

namespace sy::api {

namespace {

using namespace detail;

json::object details_json(const ollama_model_details& d) {
  json::value families = nullptr;
  if (!d.families.empty()) {
    json::array a;
    for (const auto& f : d.families) a.push_back(json::string(f));
    families = std::move(a);
  }
  return json::object{{"parent_model", d.parent_model},
                      {"format", d.format},
                      {"family", d.family},
                      {"families", std::move(families)},
                      {"parameter_size", d.parameter_size},
                      {"quantization_level", d.quantization_level}};
}

void read_details(const json::object& o, ollama_model_details& d) {
  auto take = [&](std::string_view key, std::string& out) {
    if (auto* v = member(o, key); v && v->is_string() && v->as_string().size() <= 4096)
      out.assign(v->as_string().data(), v->as_string().size());
  };
  take("parent_model", d.parent_model);
  take("format", d.format);
  take("family", d.family);
  take("parameter_size", d.parameter_size);
  take("quantization_level", d.quantization_level);
  if (auto* f = member(o, "families"); f && f->is_array())
    for (const auto& x : f->as_array())
      if (x.is_string() && d.families.size() < 64) d.families.emplace_back(x.as_string().data(), x.as_string().size());
}

}  // namespace

// ---- listings

std::string write_ollama_tags(const std::vector<ollama_model_entry>& models) {
  json::array a;
  for (const auto& m : models)
    a.push_back(json::object{{"name", m.name},
                             {"model", m.model.empty() ? m.name : m.model},
                             {"modified_at", format_rfc3339(m.modified_at_ns)},
                             {"size", m.size},
                             {"digest", m.digest},
                             {"details", details_json(m.details)}});
  return json::serialize(json::object{{"models", std::move(a)}});
}

std::string write_ollama_ps(const std::vector<ollama_model_entry>& models) {
  json::array a;
  for (const auto& m : models) {
    json::object o{{"name", m.name},
                   {"model", m.model.empty() ? m.name : m.model},
                   {"size", m.size},
                   {"digest", m.digest},
                   {"details", details_json(m.details)},
                   {"expires_at", format_rfc3339(m.expires_at_ns)},
                   {"size_vram", m.size_vram}};
    if (m.context_length) o["context_length"] = *m.context_length;
    a.push_back(std::move(o));
  }
  return json::serialize(json::object{{"models", std::move(a)}});
}

api_result<std::vector<ollama_model_entry>> parse_ollama_tags(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "model list");
  if (!o) return rd.take_error();
  auto* mv = member(*o, "models");
  if (!mv) return api_error{502, "upstream reply: models: missing", "api_error", {}};
  auto* models = rd.array(*mv, "models", limits.max_messages);
  if (!models) return rd.take_error();
  std::vector<ollama_model_entry> out;
  for (std::size_t i = 0; i < models->size(); ++i) {
    auto path = path_of("models", i);
    auto* m = rd.object((*models)[i], path);
    if (!m) return rd.take_error();
    ollama_model_entry e;
    e.name = take_string(*m, "name", limits.max_model_bytes);
    e.model = take_string(*m, "model", limits.max_model_bytes);
    if (e.name.empty()) e.name = e.model;
    if (e.name.empty()) {
      rd.fail(path_of(path, "name"), "missing");
      return rd.take_error();
    }
    e.digest = take_string(*m, "digest", 256);
    e.size = ollama_count(*m, "size").value_or(0);
    e.size_vram = ollama_count(*m, "size_vram").value_or(0);
    e.context_length = ollama_count(*m, "context_length");
    e.modified_at_ns = parse_rfc3339(take_string(*m, "modified_at", 64)).value_or(0);
    e.expires_at_ns = parse_rfc3339(take_string(*m, "expires_at", 64)).value_or(0);
    if (auto* d = member(*m, "details"); d && d->is_object()) read_details(d->as_object(), e.details);
    out.push_back(std::move(e));
  }
  return out;
}

std::string write_ollama_show(const ollama_show_info& info) {
  json::object model_info;
  if (!info.architecture.empty()) model_info["general.architecture"] = info.architecture;
  if (info.parameter_count) model_info["general.parameter_count"] = *info.parameter_count;
  if (!info.architecture.empty()) {
    const auto& a = info.architecture;
    if (info.context_length) model_info[a + ".context_length"] = *info.context_length;
    if (info.embedding_length) model_info[a + ".embedding_length"] = *info.embedding_length;
    if (info.block_count) model_info[a + ".block_count"] = *info.block_count;
    if (info.head_count) model_info[a + ".attention.head_count"] = *info.head_count;
    if (info.head_count_kv) model_info[a + ".attention.head_count_kv"] = *info.head_count_kv;
  }
  for (const auto& kv : info.model_info_extra)
    if (!model_info.contains(kv.key())) model_info[kv.key()] = kv.value();
  json::array caps;
  for (const auto& c : info.capabilities) caps.push_back(json::string(c));
  json::object o;
  if (!info.license.empty()) o["license"] = info.license;
  o["modelfile"] = info.modelfile;
  o["parameters"] = info.parameters;
  o["template"] = info.template_text;
  if (!info.system.empty()) o["system"] = info.system;
  o["details"] = details_json(info.details);
  o["model_info"] = std::move(model_info);
  o["capabilities"] = std::move(caps);
  if (info.modified_at_ns != 0) o["modified_at"] = format_rfc3339(info.modified_at_ns);
  return json::serialize(o);
}

api_result<ollama_show_info> parse_ollama_show(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 502);
  auto o = rd.parse_object(body, "model details");
  if (!o) return rd.take_error();
  ollama_show_info info;
  if (auto* d = member(*o, "details"); d && d->is_object()) read_details(d->as_object(), info.details);
  if (auto* c = member(*o, "capabilities"); c && c->is_array())
    for (const auto& x : c->as_array())
      if (x.is_string() && x.as_string().size() <= limits.max_name_bytes && info.capabilities.size() < 64)
        info.capabilities.emplace_back(x.as_string().data(), x.as_string().size());
  if (auto* mi = member(*o, "model_info"); mi && mi->is_object()) {
    const auto& m = mi->as_object();
    info.architecture = take_string(m, "general.architecture", limits.max_name_bytes);
    info.parameter_count = ollama_count(m, "general.parameter_count");
    if (!info.architecture.empty()) {
      const auto& a = info.architecture;
      info.context_length = ollama_count(m, a + ".context_length");
      info.embedding_length = ollama_count(m, a + ".embedding_length");
      info.block_count = ollama_count(m, a + ".block_count");
      info.head_count = ollama_count(m, a + ".attention.head_count");
      info.head_count_kv = ollama_count(m, a + ".attention.head_count_kv");
    }
  }
  info.modified_at_ns = parse_rfc3339(take_string(*o, "modified_at", 64)).value_or(0);
  return info;
}

api_result<std::string> parse_ollama_model_name(std::string_view body, const parse_limits& limits) {
  json_reader rd(limits, 400);
  auto o = rd.parse_object(body, "request body");
  if (!o) return rd.take_error();
  std::string model;
  if (!rd.string_member(*o, "model", "", model, limits.max_model_bytes)) return rd.take_error();
  if (model.empty() && !rd.string_member(*o, "name", "", model, limits.max_model_bytes)) return rd.take_error();
  if (model.empty()) return api_error{400, "model: missing", "invalid_request_error", "model"};
  return model;
}

std::string write_ollama_version(std::string_view version) {
  return json::serialize(json::object{{"version", version}});
}

// ---- errors

std::string write_ollama_error(const api_error& e) {
  return json::serialize(json::object{{"error", e.message}});
}

api_error parse_ollama_error(unsigned status, std::string_view body) {
  api_error e{status, "upstream returned HTTP " + std::to_string(status), {}, {}};
  auto v = parse_error_body(body);
  if (!v.is_object()) return e;
  const auto& o = v.as_object();
  auto* err = member(o, "error");
  if (!err) return e;
  std::string msg;
  if (auto* s = err->if_string())
    msg = utf8_prefix(*s, 4096);
  else if (err->is_object())
    msg = take_string(err->as_object(), "message", 4096);
  if (!msg.empty()) e.message = std::move(msg);
  return e;
}

}  // namespace sy::api
