#pragma once
// The gateway's request handler: routes by path, checks API keys, resolves the model and hands
// the request to its backend; records metrics and one access-log line per request.
//
// Threading: handle() runs on any worker; per-worker state (upstream pools) is indexed by
// exchange::worker. Configuration and what is built from it form an immutable gateway_state
// snapshot: each request takes the current one when it starts and keeps it to the end, and
// reload() publishes a new one (a pointer swap) from any thread.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "api/chat_types.h"
#include "backends/local/local_backend.h"
#include "backends/openai_compat/openai_backend.h"
#include "core/config.h"
#include "core/secret.h"
#include "http/background_task.h"
#include "http/blocking_executor.h"
#include "http/server.h"
#include "http/upstream_pool.h"
#include "router/key_rate_limiter.h"
#include "router/model_catalog.h"
#include "router/router_state.h"
#include "server/event_hub.h"
#include "server/metrics.h"
#include "server/request_plan.h"
#include "server/request_record.h"
#include "server/request_sinks.h"
#include "server/route_table.h"
#include "server/usage_store.h"

namespace sy {

// Everything that configuration decides for a request.
struct gateway_state {
  std::shared_ptr<const config> cfg;
  secret_scrubber secrets;  // the backends' and clients' keys (for captured bodies)
  std::vector<std::shared_ptr<backends::openai_backend>> backends;
  backends::openai_backend* backend(std::string_view name) const;
};

class gateway {
 public:
  explicit gateway(std::shared_ptr<const config> cfg);  // throws config_error (bad backend URL)
  ~gateway();

  // Switches to `next` (already validated): requests in flight finish on the old state;
  // model lists of backends that did not change are kept. Throws config_error when a backend
  // cannot be built; the running state then stays. Returns notes for the log (e.g. settings
  // that only a restart applies).
  std::vector<std::string> reload(std::shared_ptr<const config> next);
  std::shared_ptr<const gateway_state> state() const;

  // Where reload_from_source() reads the configuration again (serve() sets it).
  void set_config_source(std::function<std::shared_ptr<const config>()> source);
  // Reloads from the source and logs the outcome; returns "" on success, else the error. One at
  // a time; a file whose bytes are those of the running configuration is not applied again
  // (a SIGHUP and the file watcher seeing one edit reload once), only its model lists refreshed.
  std::string reload_from_source(std::string_view trigger);

  // Creates one upstream pool per worker of `srv`; call before srv.start().
  void attach(http::server& srv);
  // Starts the background tasks on worker 0 of `srv` (after srv.start()):
  //  - model refresh: lists each backend's models now, every upstream.models_refresh and
  //    after each reload;
  //  - health checks of the backends that routes use (router.health.interval; 0 = none);
  //  - local discovery: probes the local servers' default ports now and every
  //    discovery.interval (when discovery.local is on); what appears or goes away is added or
  //    removed as a backend. `own_port`: this gateway's, never probed;
  //  - on every worker, a sweep of its upstream pool's expired idle connections.
  void start_background(http::server& srv, unsigned short own_port);
  // Ends the background tasks and waits for them (the workers must still run); idempotent.
  void stop_background();

  // When a drain begins, while the workers run: ends the event streams (they would hold the
  // drain) and the background tasks.
  void begin_shutdown();

  http::net::awaitable<void> handle(http::exchange& ex);
  // A request the server refused before handle() (see http::refused_request): its access-log
  // line and metrics. Any worker thread.
  void log_refused(const http::refused_request& r);

  // After the server's workers have stopped and before the server is destroyed: cancels pulls
  // (resumable), waits for blocking jobs, and drops what lives on the workers' io_contexts.
  void shutdown();

  model_catalog& catalog() { return catalog_; }
  router_state& router() { return router_; }
  event_hub& events() { return events_; }
  backends::local_backend* local() { return local_.get(); }
  gateway_metrics& metrics() { return metrics_; }

  // What a blocking admin job produces: 200 and a JSON body, or a status and an error message.
  struct job_result {
    unsigned status = 200;
    std::string text;
  };

 private:
  // Sends an OpenAI-style error and notes it for the access log. (A member, not a capturing
  // coroutine lambda: GCC 12 mishandles those.)
  // Answers a request that passed its route's checks (auth, body type, method, rate limit).
  http::net::awaitable<void> answer(route_id id, const gateway_state& st, http::exchange& ex, request_record& log);
  // The Prometheus text of GET /metrics.
  std::string metrics_text();
  static http::net::awaitable<void> refuse_unauthenticated(http::exchange& ex, request_record& log);
  static http::net::awaitable<void> reply_error(http::exchange& ex, request_record& log, unsigned status,
                                                std::string message, std::string_view code);
  static http::net::awaitable<void> reply_job(http::exchange& ex, request_record& log, const job_result& r,
                                              std::string_view error_code);
  // Makes the translator of one send of a non-chat request (embeddings) whose client speaks
  // another API than OpenAI's.
  using translator_factory = std::function<std::unique_ptr<backends::response_translator>()>;
  // A chat request as the gateway routes it; translation happens per attempt, only for a target
  // of another wire. A target of the client's own API (`wire`) gets the client's bytes (only
  // `model` renamed) and its answer goes back as it is — every field kept (Anthropic's
  // cache_control, container, ...). Every other target gets the canonical request encoded once
  // for its wire, and its answer is decoded and encoded once for the client (`make_encoder`).
  // A request the canonical form cannot carry (`untranslatable`) reaches only targets of its API.
  struct chat_call {
    std::optional<backend_type> wire;              // none: no upstream speaks the client's API (Responses)
    std::string path;                              // the client's request among that API's upstream paths
    const std::string* body = nullptr;             // the client's bytes (for `wire` targets)
    const api::chat_request* request = nullptr;    // canonical; null: decoded from `body` (OpenAI's)
    std::optional<api::api_error> untranslatable;  // why other targets cannot take it
    std::function<std::unique_ptr<backends::answer_encoder>()> make_encoder;
    std::optional<api::chat_request> decoded;  // the OpenAI body, once a target needed it decoded
  };
  // Routes a request to `path` ("/chat/completions", "/embeddings") through its plan, failing
  // over before the first byte: a chat (see chat_call), or a request in OpenAI's format
  // (ex.req.body()) whose answer goes back through `make_translator` when the client speaks
  // another API. `view`: what an inbound adapter decoded (the body is then not parsed again to
  // route it).
  http::net::awaitable<void> proxy(const gateway_state& st, http::exchange& ex, std::string_view path,
                                   request_record& log, const translator_factory* make_translator = nullptr,
                                   chat_call* chat = nullptr, const routing_view* view = nullptr);
  // The Ollama-compatible API (gateway_ollama_api.cpp): /api/chat, /api/generate, /api/embed,
  // /api/embeddings, /api/tags, /api/ps, /api/show, /api/version.
  http::net::awaitable<void> ollama_api(const gateway_state& st, http::exchange& ex, std::string_view path,
                                        request_record& log);
  // POST /v1/messages (Anthropic), through proxy() with translation both ways.
  http::net::awaitable<void> messages(const gateway_state& st, http::exchange& ex, request_record& log);
  // POST /v1/messages/count_tokens: counted by the target where it can count (an Anthropic
  // upstream's own endpoint; a local engine's template and tokenizer), else a 400.
  http::net::awaitable<void> count_tokens(const gateway_state& st, http::exchange& ex, request_record& log);
  // POST /v1/responses (OpenAI Responses), through proxy() with translation both ways.
  http::net::awaitable<void> responses(const gateway_state& st, http::exchange& ex, request_record& log);
  http::net::awaitable<void> list_models(const gateway_state& st, http::exchange& ex);
  http::net::awaitable<void> get_model(const gateway_state& st, http::exchange& ex, std::string_view id,
                                       request_record& log);
  // Completes the record (timings, who) and hands it to every sink.
  void finish(const http::exchange& ex, request_record& log);
  // Same API on both sides: the client's request goes to its backend as it is (only the model
  // renamed) and the answer comes back as it is (see messages(), ollama_api()).
  struct direct_target {
    std::string requested;
    const backend_config* backend = nullptr;
    std::string upstream_model, id;
    bool stream = false;
    std::string stats_id;  // resolved_target::stats_id()
  };
  static std::optional<direct_target> same_api_target(const std::string& body, const config& cfg,
                                                      const catalog_snapshot& catalog, backend_type type);
  http::net::awaitable<void> relay_same_api(const gateway_state& st, http::exchange& ex, request_record& log,
                                            const direct_target& direct, std::string_view path);
  // What a send did, into the access log and the token metrics.
  void record_outcome(request_record& log, const backends::forward_outcome& outcome);
  // The admin API of local engines and the store: /api/engines[/load|/unload], /api/models.
  http::net::awaitable<void> engines_api(const gateway_state& st, http::exchange& ex, std::string_view path,
                                         request_record& log);
  // The hub admin API (gateway_hub_api.cpp): /api/hub/search, /api/models/pull (SSE progress).
  http::net::awaitable<void> hub_api(http::exchange& ex, std::string_view path, request_record& log);

  // GET /api/backends: every backend, configured or discovered, with its listing state.
  http::net::awaitable<void> backends_api(const gateway_state& st, http::exchange& ex, request_record& log);
  // Publishes base_cfg_ plus the discovered local servers (found_).
  // `base` (null: the current one) becomes base_cfg_ once it is running.
  std::vector<std::string> reload_with_discoveries(std::shared_ptr<const config> base = nullptr);

  mutable std::mutex state_mutex_;
  std::mutex reload_mutex_;  // reload_from_source() one at a time
  std::shared_ptr<const gateway_state> state_;
  std::shared_ptr<const config> base_cfg_;  // as the source gave it, before local discoveries
  std::vector<backend_config> found_;       // local servers that answered the last probe
  std::atomic<bool> probed_{false};         // the first local probe is done (or there is none)
  http::server* server_ = nullptr;
  std::function<std::shared_ptr<const config>()> config_source_;
  std::unique_ptr<http::net::ssl::context> tls_;
  std::vector<std::unique_ptr<http::upstream_pool>> pools_;  // one per worker
  model_catalog catalog_;
  gateway_metrics metrics_;
  std::unique_ptr<backends::local_backend> local_;  // null when the store could not be opened
  std::string local_unavailable_;                   // why local_ is null
  // Blocking work (disk, SQLite, hub calls, engine loads) goes here, never on a worker. Declared
  // after local_: it is joined (by shutdown(), or as it is destroyed) before local_ goes.
  http::blocking_executor blocking_;
  std::atomic<bool> shutting_down_{false};  // pulls stop (resumable) when set
  // Routing state that outlives reloads: breakers, latency, in-flight counts, gates, health.
  router_state router_;
  key_rate_limiter key_limits_;
  event_hub events_;
  std::unique_ptr<usage_store> usage_;                // null when the ledger could not be opened
  std::vector<std::unique_ptr<request_sink>> sinks_;  // where finished requests go (finish())
  // GET /api/usage (which = route_id::usage) and GET /api/requests (route_id::requests)
  // GET /api/usage, /api/requests and /api/requests/bodies: the ledger, read on the blocking pool.
  http::net::awaitable<void> ledger_api(http::exchange& ex, request_record& log, route_id which);
  http::net::awaitable<void> events_api(http::exchange& ex, request_record& log);
  // GET /api/config: the running configuration with secrets masked, and the file's check.
  http::net::awaitable<void> config_api(const gateway_state& st, http::exchange& ex, request_record& log);
  // The dashboard's embedded files ("/" for a browser, "/ui/...").
  static http::net::awaitable<void> dashboard_file(http::exchange& ex, request_record& log);
  // One send of a request to one target; fills `outcome` (the backend's answer or a held failure).
  // `chat`: see chat_call (null: ex.req.body() to `path`, in OpenAI's format).
  http::net::awaitable<void> send_to(const gateway_state& st, http::exchange& ex, std::string_view path, plan_entry& a,
                                     backends::forward_options fo, backends::forward_outcome& outcome,
                                     chat_call* chat = nullptr);
  // The upstream a target's requests go to (this machine's engines, or a backend of `st`); null
  // when it is not available.
  backends::upstream* upstream_of(const gateway_state& st, const backend_config& backend) const;
  // The upstream_send of one attempt: the client's bytes (only the model renamed) or the
  // canonical chat; nullopt when the client's OpenAI body cannot be decoded (`outcome` says why).
  static std::optional<backends::upstream_send> outbound_for(http::exchange& ex, std::string_view path,
                                                             const plan_entry& a, chat_call* chat,
                                                             backends::forward_outcome& outcome);
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();

  // The rounds of the background tasks (see start_background()).
  http::net::awaitable<duration> refresh_models();
  http::net::awaitable<duration> check_health();
  http::net::awaitable<duration> discover_local(unsigned short own_port);
  // Closes the expired idle connections of one worker's pool (on that worker).
  http::net::awaitable<duration> sweep_pool(unsigned worker);
  // Declared last, destroyed first: what their rounds use outlives them.
  std::unique_ptr<http::background_task> refresh_, health_, discovery_;
  std::vector<std::unique_ptr<http::background_task>> pool_sweeps_;  // one per worker
};

}  // namespace sy
