#include "backends/local/local_backend.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/llama_paths.h"
#include "core/local_backend_name.h"
#include "engine/placement.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "store/store_home.h"

namespace sy::backends {

namespace {

engine::supervisor_options supervisor_options_for(const config& cfg, const std::string& binary,
                                                  const std::string& home) {
  engine::supervisor_options o;
  o.server_binary = binary;
  o.log_dir = home + "/logs";
  o.max_loaded = cfg.engine.max_loaded;
  o.memory_budget = cfg.engine.memory_budget;
  o.idle_unload = cfg.engine.idle_unload;
  o.restart_backoff = cfg.engine.restart_backoff;
  o.restart_backoff_max = cfg.engine.restart_backoff_max;
  return o;
}

std::string llama_server_for(const config& cfg, const env_lookup& env) {
  if (!cfg.engine.llama_server.empty()) return cfg.engine.llama_server;
  return find_llama_binaries(env).server;
}

}  // namespace

local_backend::local_backend(const config& cfg, const env_lookup& env, http::blocking_executor& blocking)
    : home_(store::resolve_home(cfg.models.home, env)),
      server_binary_(llama_server_for(cfg, env)),
      env_(env),
      library_(std::make_shared<store::model_library>(store::library_options{home_, cfg.models.paths})),
      library_paths_(cfg.models.paths),
      models_(std::make_shared<std::vector<store::local_model>>()),
      supervisor_(
          std::make_unique<engine::engine_supervisor>(launcher_, supervisor_options_for(cfg, server_binary_, home_))),
      blocking_(blocking) {}

local_backend::~local_backend() {
  join();
  supervisor_.reset();  // stops the children before the launcher goes
}

void local_backend::join() {
  supervisor_->close();
  downloads_.join();
}

model_listing local_backend::refresh(const engine_config& engine) {
  std::lock_guard serial(refresh_mutex_);
  std::shared_ptr<store::model_library> lib;
  {
    std::lock_guard lock(mutex_);
    lib = library_;
  }
  lib->refresh();
  auto list = std::make_shared<std::vector<store::local_model>>(lib->list());
  model_listing out;
  for (const auto& m : *list) {
    out.ids.push_back(m.name);
    auto o = engine.models.find(m.name);
    if (engine.defaults.embeddings || (o != engine.models.end() && o->second.embeddings)) continue;
    model_capabilities caps;
    caps.chat = !m.embedding;
    caps.embeddings = m.embedding;
    out.capabilities[m.name] = caps;
  }
  std::lock_guard lock(mutex_);
  models_ = std::move(list);
  return out;
}

std::shared_ptr<const std::vector<store::local_model>> local_backend::models() const {
  std::lock_guard lock(mutex_);
  return models_;
}

std::optional<store::local_model> local_backend::find(std::string_view name) const {
  auto list = models();
  for (const auto& m : *list)
    if (m.name == name) return m;
  return std::nullopt;
}

store::local_model local_backend::remove(std::string_view name, bool force) {
  std::string n(name);
  if (supervisor_->loaded(n)) {
    if (!force) throw std::runtime_error("model " + n + " is loaded: unload it first, or delete with force");
    std::string why;
    supervisor_->unload(n, true, why);
  }
  std::shared_ptr<store::model_library> lib;
  {
    std::lock_guard lock(mutex_);
    lib = library_;
  }
  return lib->remove(name);
}

local_backend::engine_state_map local_backend::engine_states() {
  engine_state_map out;
  for (const auto& e : supervisor_->engines()) out[e.model] = engine::to_string(e.status.state);
  return out;
}

std::string local_backend::state_of(const engine_state_map& states, std::string_view model) {
  auto it = states.find(model);
  return it == states.end() ? "not_loaded" : it->second;
}

void local_backend::reconfigure(const config& cfg) {
  supervisor_->set_limits(cfg.engine.max_loaded, cfg.engine.memory_budget, cfg.engine.idle_unload);
  std::lock_guard lock(mutex_);
  if (cfg.models.paths != library_paths_) {
    library_ = std::make_shared<store::model_library>(store::library_options{home_, cfg.models.paths});
    library_paths_ = cfg.models.paths;
  }
}

engine::model_spec local_backend::configured_spec(const config& cfg, const store::local_model& m) const {
  engine::model_spec spec;
  spec.name = m.name;
  spec.path = m.path;
  spec.settings = cfg.engine.defaults;
  spec.settings.embeddings = m.embedding;  // an embedding model runs in embedding mode unless told otherwise
  if (auto it = cfg.engine.models.find(m.name); it != cfg.engine.models.end())
    spec.settings = engine::apply_overrides(spec.settings, it->second);
  return spec;
}

std::optional<engine::gpu_memory> local_backend::current_gpu() const {
  std::lock_guard lock(gpu_mutex_);
  auto now = std::chrono::steady_clock::now();
  if (gpu_checked_.time_since_epoch().count() == 0 || now - gpu_checked_ > std::chrono::seconds(30)) {
    auto gpus = engine::detect_gpus();  // forks nvidia-smi: not on every request
    gpu_ = gpus.empty() ? std::nullopt : std::optional(gpus.front());
    gpu_checked_ = now;
  }
  return gpu_;
}

engine::model_footprint local_backend::footprint_of(const store::local_model& m,
                                                    const engine::engine_settings& s) const {
  // what estimate_footprint() depends on: the file and the settings that size the KV cache
  auto key = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", m.path, m.size_bytes, s.context_size, s.parallel, s.cache_type_k,
                         s.embeddings);
  {
    std::lock_guard lock(footprints_mutex_);
    if (auto it = footprints_.find(key); it != footprints_.end()) return it->second;
  }
  auto f = engine::estimate_footprint(m.path, s, m.size_bytes);  // reads the GGUF header (outside the lock)
  std::lock_guard lock(footprints_mutex_);
  if (footprints_.size() > 256) footprints_.clear();  // models come and go; never grows without bound
  footprints_.emplace(std::move(key), f);
  return f;
}

std::variant<engine::model_spec, engine::acquire_error> local_backend::placed_spec(engine::model_spec spec,
                                                                                   const store::local_model& m) const {
  try {
    auto footprint = footprint_of(m, spec.settings);
    auto gpu = current_gpu();
    auto p = engine::place(footprint, spec.settings.gpu_layers, gpu);
    spec.placed_gpu_layers = p.gpu_layers;
    spec.memory_bytes = p.ram_bytes;
    spec.memory_summary = p.summary;
    return spec;
  } catch (const std::exception& e) {
    return engine::acquire_error{500, "model_unreadable",
                                 fmt::format("cannot read local model '{}' ({}): {}", m.name, m.path, e.what()),
                                 std::nullopt};
  }
}

http::net::awaitable<std::variant<std::shared_ptr<engine::engine_lease>, engine::acquire_error>> local_backend::lease(
    const config& cfg, const store::local_model& m) {
  auto spec = configured_spec(cfg, m);
  if (auto ready = supervisor_->try_acquire(spec)) co_return ready;
  // A named job, not a temporary: GCC 12 destroys the lambda temporaries of a co_await
  // expression twice.
  auto job = [this, spec = std::move(spec),
              m]() -> std::variant<std::shared_ptr<engine::engine_lease>, engine::acquire_error> {
    auto placed = placed_spec(spec, m);
    if (auto* err = std::get_if<engine::acquire_error>(&placed)) return *err;
    auto got = supervisor_->acquire(std::get<engine::model_spec>(placed));
    if (auto* err = std::get_if<engine::acquire_error>(&got)) return *err;
    return std::get<std::shared_ptr<engine::engine_lease>>(got);
  };
  auto got = co_await blocking_.run(std::move(job));
  co_return got;
}

http::net::awaitable<forward_outcome> local_backend::forward(const config& cfg, http::exchange& ex,
                                                             http::upstream_pool& pool, upstream_send what,
                                                             std::string_view name, std::string_view model_id,
                                                             forward_options opt) {
  forward_outcome out;
  auto model = find(name);
  if (!model) {
    out.status = 404;
    out.error = fmt::format("local model '{}' is not in the store any more", name);
    out.held = opt.hold_failures;
    if (!out.held) co_await http::send_error(ex, out.status, out.error, "model_not_found");
    co_return out;
  }
  auto got = co_await lease(cfg, *model);
  if (auto* err = std::get_if<engine::acquire_error>(&got)) {
    out.status = err->status;
    out.error = err->message;
    if (opt.hold_failures) {  // busy, failed or too big here: another target may serve it
      out.held = true;
      if (err->retry_after)
        out.retry_after = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*err->retry_after).count());
      co_return out;
    }
    auto res = http::json_response(ex, err->status,
                                   http::error_body(ex, err->status, err->message, "server_error", err->code));
    if (err->retry_after)
      res.set("Retry-After",
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*err->retry_after).count()));
    co_await http::send(ex, res);
    co_return out;
  }
  auto held = std::get<std::shared_ptr<engine::engine_lease>>(std::move(got));
  auto upstream = engine_upstream(*held);
  out = co_await upstream->forward(ex, pool, std::move(what), model_id, opt);
  if (out.failure != http::upstream_failure::none) supervisor_->poll(held->model());  // a crash shows at once
  co_return out;
}

std::shared_ptr<openai_backend> local_backend::engine_upstream(const engine::engine_lease& engine) {
  std::lock_guard lock(upstreams_mutex_);
  auto& entry = upstreams_[engine.model()];
  if (!entry.upstream || entry.port != engine.port() || entry.key != engine.api_key()) {  // a new engine
    backend_config child;
    child.name = local_backend_name;
    child.url = fmt::format("http://127.0.0.1:{}/v1", engine.port());
    child.api_key = engine.api_key();
    child.list_models = false;
    entry = {engine.port(), engine.api_key(), std::make_shared<openai_backend>(child)};
  }
  return entry.upstream;
}

http::net::awaitable<std::optional<engine::acquire_error>> local_backend::load(const config& cfg, std::string name) {
  auto model = find(name);
  if (!model)
    co_return engine::acquire_error{404, "model_not_found", fmt::format("no local model named '{}'", name),
                                    std::nullopt};
  auto got = co_await lease(cfg, *model);
  if (auto* err = std::get_if<engine::acquire_error>(&got)) co_return *err;
  co_return std::nullopt;
}

http::net::awaitable<std::string> local_backend::unload(std::string name, bool force) {
  auto job = [this, name = std::move(name), force] {  // named: see lease()
    std::string why;
    supervisor_->unload(name, force, why);
    return why;
  };
  auto why = co_await blocking_.run(std::move(job));
  co_return why;
}

}  // namespace sy::backends
