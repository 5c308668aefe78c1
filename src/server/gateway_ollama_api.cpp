// The Ollama-compatible API of the gateway (inbound_ollama.h): inference endpoints go through
// proxy() with translation; listings are built from the local store, the engines and the
// catalog, with ids a client can send back as `model`.
#include <chrono>

#include <fmt/format.h>

#include "api/ollama_paths.h"
#include "core/local_backend_name.h"
#include "core/version.h"
#include "http/pch.h"
#include "router/model_resolver.h"
#include "server/gateway.h"
#include "server/inbound_ollama.h"
#include "server/request_record.h"

namespace sy {

namespace bhttp = http::bhttp;

namespace {

std::int64_t seconds_to_ns(std::int64_t s) {
  return s * 1'000'000'000;
}

api::ollama_model_details details_of(const store::local_model& m) {
  api::ollama_model_details d;
  d.family = m.architecture;
  if (!m.architecture.empty()) d.families = {m.architecture};
  d.parameter_size = !m.size_label.empty() ? m.size_label
                     : m.parameters > 0    ? fmt::format("{:.1f}B", double(m.parameters) / 1e9)
                                           : "";
  d.quantization_level = m.quantization;
  return d;
}

}  // namespace

http::net::awaitable<void> gateway::ollama_api(const gateway_state& st, http::exchange& ex, std::string_view path,
                                               request_record& log) {
  const auto method = ex.req.method();
  auto reply = [&](std::string body) -> http::net::awaitable<void> {
    log.status = 200;
    auto res = http::json_response(ex, 200, std::move(body));
    co_await http::send(ex, res);
  };
  // an Ollama backend named directly gets an Ollama client's request as it is (options included)
  if (api::is_ollama_inference_path(path)) {
    if (auto direct = same_api_target(ex.req.body(), *st.cfg, *catalog_.snapshot(), backend_type::ollama)) {
      co_await relay_same_api(st, ex, log, *direct, path);
      co_return;
    }
  }
  if (path == api::ollama_chat_path || path == api::ollama_generate_path) {
    auto endpoint = path == api::ollama_chat_path ? api::ollama_endpoint::chat : api::ollama_endpoint::generate;
    auto decoded = read_ollama_chat(ex.req.body(), endpoint);
    if (auto* err = std::get_if<api::api_error>(&decoded)) {
      co_await reply_error(ex, log, err->status, err->message, "invalid_request");
      co_return;
    }
    auto& t = std::get<decoded_chat>(decoded);
    if (t.no_messages) {  // "load this model": local models start loading, others are always ready
      log.requested_model = t.model;
      if (auto store_name = local_store_name(t.model); local_ && store_name) {
        auto err = co_await local_->load(*st.cfg, std::string(*store_name));
        if (err) {
          co_await reply_error(ex, log, err->status, err->message, err->code);
          co_return;
        }
      }
      co_await reply(ollama_load_response(t.model, endpoint));
      co_return;
    }
    // the client's bytes for Ollama targets (options included); the canonical request for the others
    chat_call call{backend_type::ollama,
                   std::string(path),
                   &ex.req.body(),
                   &t.request,
                   std::move(t.untranslatable),
                   [model = t.model, endpoint]() -> std::unique_ptr<backends::answer_encoder> {
                     return std::make_unique<ollama_answer_encoder>(model, endpoint);
                   }};
    const auto view = routing_view_of(t.request, "/chat/completions");  // refers to t.request, alive to the end
    co_await proxy(st, ex, "/chat/completions", log, nullptr, &call, &view);
  } else if (path == api::ollama_embed_path || path == api::ollama_embeddings_path) {
    bool legacy = path == api::ollama_embeddings_path;
    auto translated = ollama_embed_to_openai(ex.req.body(), legacy);
    if (auto* err = std::get_if<api::api_error>(&translated)) {
      co_await reply_error(ex, log, err->status, err->message, "invalid_request");
      co_return;
    }
    auto& t = std::get<openai_embeddings_request>(translated);
    ex.req.body() = std::move(t.openai_body);
    translator_factory make = [model = t.model, legacy] {
      return std::make_unique<ollama_embed_translator>(model, legacy);
    };
    co_await proxy(st, ex, "/embeddings", log, &make);
  } else if (path == api::ollama_version_path) {
    co_await reply(api::write_ollama_version(version));
  } else if (path == api::ollama_tags_path) {
    std::vector<api::ollama_model_entry> models;
    if (local_)
      for (auto local_models = local_->models(); const auto& m : *local_models)
        models.push_back({.name = local_model_id(m.name),
                          .model = local_model_id(m.name),
                          .modified_at_ns = seconds_to_ns(m.added),
                          .size = static_cast<std::int64_t>(m.size_bytes),
                          .digest = m.sha256,
                          .details = details_of(m)});
    auto started = seconds_to_ns(std::chrono::duration_cast<std::chrono::seconds>(started_.time_since_epoch()).count());
    for (const auto& [alias, target] : st.cfg->aliases)
      models.push_back({.name = alias, .model = alias, .modified_at_ns = started});
    for (const auto& r : st.cfg->routes)
      models.push_back({.name = r.model, .model = r.model, .modified_at_ns = started});
    auto snapshot = catalog_.snapshot();
    for (const auto& b : snapshot->backends) {
      if (b.backend == local_backend_name) continue;
      for (const auto& m : b.all())
        models.push_back({.name = b.backend + "/" + m, .model = b.backend + "/" + m, .modified_at_ns = started});
    }
    co_await reply(api::write_ollama_tags(models));
  } else if (path == api::ollama_ps_path) {
    std::vector<api::ollama_model_entry> running;
    if (local_) {
      auto models = local_->models();
      for (const auto& e : local_->supervisor().engines()) {
        if (e.status.state != engine::engine_state::ready) continue;
        api::ollama_model_entry entry{.name = local_model_id(e.model), .model = local_model_id(e.model)};
        entry.size = static_cast<std::int64_t>(e.memory_bytes);
        auto expires = e.last_used + st.cfg->engine.idle_unload;
        entry.expires_at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(expires.time_since_epoch()).count();
        for (const auto& m : *models)
          if (m.name == e.model) {
            entry.details = details_of(m);
            entry.digest = m.sha256;
            if (m.context_length > 0) entry.context_length = static_cast<std::int64_t>(m.context_length);
          }
        running.push_back(std::move(entry));
      }
    }
    co_await reply(api::write_ollama_ps(running));
  } else if (path == api::ollama_show_path) {
    auto name = api::parse_ollama_model_name(ex.req.body());
    if (auto* err = std::get_if<api::api_error>(&name)) {
      co_await reply_error(ex, log, err->status, err->message, "invalid_request");
      co_return;
    }
    const auto& requested = std::get<std::string>(name);
    auto snapshot = catalog_.snapshot();
    auto resolved = model_resolver(*st.cfg, *snapshot).resolve(requested);
    if (auto* unknown = std::get_if<unknown_model>(&resolved)) {
      co_await reply_error(ex, log, 404, unknown->message, "model_not_found");
      co_return;
    }
    const auto& target = std::get<resolved_target>(resolved);
    api::ollama_show_info info;
    info.capabilities = {"completion"};
    if (local_ && target.backend == &local_backend_config())
      for (auto local_models = local_->models(); const auto& m : *local_models)
        if (m.name == target.upstream_model) {
          info.details = details_of(m);
          info.architecture = m.architecture;
          if (m.context_length > 0) info.context_length = static_cast<std::int64_t>(m.context_length);
          if (m.parameters > 0) info.parameter_count = static_cast<std::int64_t>(m.parameters);
          info.modified_at_ns = seconds_to_ns(m.added);
          if (m.embedding) info.capabilities = {"embedding"};
        }
    co_await reply(api::write_ollama_show(info));
  } else {
    co_await reply_error(ex, log, 405, fmt::format("{} {} is not supported", std::string(ex.req.method_string()), path),
                         "method_not_allowed");
  }
  (void)method;
}

}  // namespace sy
