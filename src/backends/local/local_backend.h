#pragma once
// The built-in "local" backend: models of the local store (store::model_library), each run by
// a llama-server child that the engine supervisor loads on the first request. Requests reach
// the child through the normal OpenAI-compatible path (openai_backend), with the child's own
// API key and its private loopback port.
//
// Threading: forward() and load() run on a worker and move blocking work (placement, loads,
// store scans) to an internal thread pool, so a loading model never stalls other requests.
// models() is a lock-free-for-readers snapshot; refresh() and reconfigure() may run anywhere.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "http/blocking_executor.h"

#include "backends/openai_compat/openai_backend.h"
#include "core/config.h"
#include "core/config_sources.h"
#include "engine/engine_supervisor.h"
#include "engine/placement.h"
#include "engine/process_launcher.h"
#include "store/local_model.h"
#include "store/model_library.h"

namespace sy::backends {

class local_backend : public upstream {
 public:
  // Opens the store at models.home (or the default home) and starts the supervisor. Throws
  // store::store_error when the store cannot be opened.
  // `blocking`: the server's pool for blocking work (store scans, placement, loads); it must
  // be joined before this object goes.
  local_backend(const config& cfg, const env_lookup& env, http::blocking_executor& blocking);
  ~local_backend();  // stops every engine

  // Rescans the store (blocking: call from the thread pool or at startup). Returns the names.
  // With what their engines will do: an embedding model runs in embedding mode (--embeddings: it
  // only embeds), the others only chat — unless `engine` says otherwise for a model, which then
  // stays unknown.
  model_listing refresh(const engine_config& engine);
  // The current list, kept alive by the returned pointer: hold it while reading. Never
  // `for (m : *models())` — that temporary dies before the loop body (tests/lint).
  std::shared_ptr<const std::vector<store::local_model>> models() const;
  // Follows a new configuration: supervisor limits now, models.paths on the next refresh.
  void reconfigure(const config& cfg);

  // Leases the model's engine (loading it when needed) and relays the request to it.
  http::net::awaitable<forward_outcome> forward(const config& cfg, http::exchange& ex, http::upstream_pool& pool,
                                                upstream_send what, std::string_view name, std::string_view model_id,
                                                forward_options opt = {});
  // (upstream) forward() for the store model `model`.
  http::net::awaitable<forward_outcome> send(const config& cfg, http::exchange& ex, http::upstream_pool& pool,
                                             upstream_send what, std::string_view model, std::string_view model_id,
                                             forward_options opt) override {
    return forward(cfg, ex, pool, std::move(what), model, model_id, opt);
  }

  // Loads a model without a request (POST /api/engines/load); the error when it cannot.
  http::net::awaitable<std::optional<engine::acquire_error>> load(const config& cfg, std::string name);
  // Unloads (blocking only briefly: the stop runs in the pool).
  http::net::awaitable<std::string> unload(std::string name, bool force);

  // Deletes a store model's files (blocking: call from the pool). A loaded model is unloaded
  // first when `force`, else refused (std::runtime_error saying so). Throws store::store_error
  // (not_found, registered_in_place, io). The listing follows on the next refresh().
  store::local_model remove(std::string_view name, bool force);

  engine::engine_supervisor& supervisor() { return *supervisor_; }
  // Each model with an engine, by store name -> the engine's state ("ready", "starting",
  // "failed", ...); state_of() says "not_loaded" for a model without one.
  using engine_state_map = std::map<std::string, std::string, std::less<>>;
  engine_state_map engine_states();
  static std::string state_of(const engine_state_map& states, std::string_view model);
  // For long jobs of the admin API (pulls): their own threads, so downloads never hold up loads.
  http::net::thread_pool& download_pool() { return downloads_; }
  // Stops the engines' supervisor (jobs waiting for a load end) and waits for the downloads (call
  // once the workers have stopped); then the owner joins the blocking executor.
  void join();
  const std::string& home() const { return home_; }
  const std::string& server_binary() const { return server_binary_; }

 private:
  std::optional<store::local_model> find(std::string_view name) const;
  engine::model_spec configured_spec(const config& cfg, const store::local_model& m) const;
  // Adds the memory estimate and GPU placement (reads the GGUF header: blocking).
  std::variant<engine::model_spec, engine::acquire_error> placed_spec(engine::model_spec spec,
                                                                      const store::local_model& m) const;
  // The memory a model needs with these settings, from its GGUF header: read once per file and
  // settings, not on every request that has to wait for a load.
  engine::model_footprint footprint_of(const store::local_model& m, const engine::engine_settings& s) const;
  // The first GPU's free memory, asked at most every 30 s (free VRAM changes as engines load).
  std::optional<engine::gpu_memory> current_gpu() const;
  http::net::awaitable<std::variant<std::shared_ptr<engine::engine_lease>, engine::acquire_error>> lease(
      const config& cfg, const store::local_model& m);
  // The upstream of a leased engine: made once per engine (its port and key), not per request.
  std::shared_ptr<openai_backend> engine_upstream(const engine::engine_lease& engine);

  std::string home_, server_binary_;
  env_lookup env_;
  mutable std::mutex mutex_;  // guards library_ swaps and models_
  std::shared_ptr<store::model_library> library_;
  std::vector<std::string> library_paths_;
  std::shared_ptr<const std::vector<store::local_model>> models_;
  engine::process_launcher launcher_;
  std::unique_ptr<engine::engine_supervisor> supervisor_;
  http::blocking_executor& blocking_;
  http::net::thread_pool downloads_{2};
  std::mutex refresh_mutex_;
  mutable std::mutex footprints_mutex_;
  mutable std::map<std::string, engine::model_footprint> footprints_;
  struct engine_upstream_entry {
    unsigned short port = 0;
    std::string key;
    std::shared_ptr<openai_backend> upstream;
  };
  std::mutex upstreams_mutex_;
  std::map<std::string, engine_upstream_entry, std::less<>> upstreams_;  // by model: its engine's latest
  mutable std::mutex gpu_mutex_;
  mutable std::optional<engine::gpu_memory> gpu_;
  mutable std::chrono::steady_clock::time_point
      gpu_checked_{};  // one store scan at a time: a later scan never loses to an older one
};

}  // namespace sy::backends
