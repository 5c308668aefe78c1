#pragma once
// Typed configuration. Defaults live next to the fields; a default-constructed `config` is a
// complete, valid configuration (no file is needed to start). Loaded once, validated once, then
// shared read-only as std::shared_ptr<const config>.
//
// Precedence: command line > environment > file > defaults (see config_sources.h).
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/engine_options.h"

namespace sy {

// Requests and tokens one client may use per minute (0 = no limit).
struct rate_limit {
  std::uint32_t requests_per_minute = 0;
  std::uint64_t tokens_per_minute = 0;  // prompt + completion tokens, counted when a request ends
  bool any() const { return requests_per_minute > 0 || tokens_per_minute > 0; }
  bool operator==(const rate_limit&) const = default;
};

// What configuration says about one API key besides the key itself.
struct api_key_profile {
  std::string name;                 // shown in usage and logs instead of a fingerprint
  bool admin = false;               // role: admin — may call the admin API (/api/*) and open the dashboard
  std::optional<rate_limit> limit;  // overrides server.rate_limit for this key
};

struct server_config {
  std::string listen = "127.0.0.1:8321";                // HOST:PORT; port 0 picks a free port
  std::vector<std::string> api_keys;                    // when non-empty, /v1/* and /api/* need a Bearer key
  bool insecure_no_auth = false;                        // allow a non-loopback listen without keys (loud)
  int threads = 0;                                      // worker threads; 0 = one per core
  std::size_t max_header_bytes = 16 * 1024;             // larger request heads get 431
  std::size_t max_body_bytes = 16 * 1024 * 1024;        // larger request bodies get 413
  duration header_timeout = std::chrono::seconds(10);   // to receive a whole request head
  duration body_timeout = std::chrono::seconds(60);     // to receive a whole request body
  duration idle_timeout = std::chrono::seconds(75);     // keep-alive wait for the next request
  duration shutdown_grace = std::chrono::seconds(10);   // in-flight requests may finish this long
  bool access_log = true;                               // one JSON line per request, on stderr
  std::vector<std::string> allowed_hosts;               // extra Host values accepted on a loopback listener
  std::vector<std::string> allowed_origins;             // web origins allowed besides loopback and same-origin
  bool metrics_auth = true;                             // /metrics needs a key when keys are configured
  rate_limit rate_limit_per_key;                        // each API key (each client address without keys)
  std::map<std::string, api_key_profile> key_profiles;  // by key, for keys given as {key, name, ...}
};

struct upstream_config {
  duration connect_timeout = std::chrono::seconds(5);
  duration first_byte_timeout = std::chrono::seconds(300);  // request sent -> response head
  duration read_idle_timeout = std::chrono::seconds(120);   // between body reads (streams)
  std::size_t max_idle_per_host = 64;                       // pooled keep-alive connections per worker thread
  duration pool_idle_timeout = std::chrono::seconds(50);    // drop pooled connections idle longer
  duration models_refresh = std::chrono::seconds(60);       // re-list each backend's models
};

// Where local models live (issue "Local models"): the store under `home`, plus GGUF files and
// folders registered in place.
struct models_config {
  std::string home;                // "" = $SWITCHYARD_HOME, $XDG_DATA_HOME/switchyard, ~/.local/share/switchyard
  std::vector<std::string> paths;  // GGUF files or folders (scanned recursively), used without copying
};

// The engine supervisor: how many local models stay loaded, and how each child runs.
struct engine_config {
  std::string llama_server;                            // "" = the pinned build (SWITCHYARD_LLAMA_SERVER overrides)
  unsigned max_loaded = 2;                             // loaded models; the least recently used idle one is evicted
  std::uint64_t memory_budget = 0;                     // bytes all engines may use; 0 = what the machine has free
  duration idle_unload = std::chrono::minutes(10);     // unload a model unused this long; 0 = never
  duration restart_backoff = std::chrono::seconds(1);  // after a crash; doubles per crash in a row
  duration restart_backoff_max = std::chrono::minutes(1);
  engine::engine_settings defaults;                        // every model, unless overridden
  std::map<std::string, engine::engine_overrides> models;  // per model name
};

// openai: any OpenAI-compatible API (OpenAI, vLLM, llama-server, LM Studio, LocalAI);
// anthropic: Anthropic's Messages API; gemini: Google's Gemini API (generateContent);
// ollama: Ollama's native API (/api/chat, NDJSON streams).
enum class backend_type { openai, anthropic, gemini, ollama };

// The name config files use for a type ("openai", "anthropic", "gemini", "ollama").
const char* backend_type_name(backend_type t);

struct backend_config {
  std::string name;  // the <backend> in model ids "<backend>/<model>"
  backend_type type = backend_type::openai;
  std::string url;                  // base URL including the API prefix, e.g. https://api.openai.com/v1
  std::string api_key;              // sent upstream as Authorization: Bearer; never logged
  std::vector<std::string> models;  // always listed, in addition to the upstream's own list
  bool list_models = true;          // ask the upstream's /models for more
  int line = 0;                     // where it was defined, for error messages
  std::string discovered;           // "" = configured; else how it was found ("environment: OPENAI_API_KEY")
};

// Zero-config discovery (core/discovery.h).
struct discovery_settings {
  bool local = true;                             // probe the loopback ports of Ollama, LM Studio, llama-server and vLLM
  bool cloud = true;                             // a backend per provider key in the environment (OPENAI_API_KEY, ...)
  duration interval = std::chrono::seconds(30);  // probe again this often
};

// The circuit breaker of each route target (router/circuit_breaker.h).
struct breaker_settings {
  unsigned consecutive_failures = 5;  // in a row: open
  double failure_rate = 0.5;          // over `window`, once `min_requests` have been seen: open
  unsigned min_requests = 20;
  duration window = std::chrono::seconds(60);
  duration open_base = std::chrono::seconds(5);  // first pause; doubles per trip in a row
  duration open_max = std::chrono::minutes(5);
  unsigned probes = 1;       // requests admitted at once while half-open
  unsigned close_after = 2;  // successful probes that close it
  bool operator==(const breaker_settings&) const = default;
};

// Retries of a request routed through a route: only before its first byte reached the client.
struct retry_settings {
  // Sends per request over its targets and fallbacks, cycling back to the first after a backoff
  // when there are more attempts than targets; 0 = each target and fallback once.
  unsigned max_attempts = 0;
  double budget_ratio = 0.2;           // retries may add this share of the requests seen in the window...
  unsigned budget_min_per_second = 5;  // ...plus this many per second, so that low traffic can retry
  duration budget_window = std::chrono::seconds(10);
  duration backoff_base = std::chrono::milliseconds(25);  // before trying a target again: a random
  duration backoff_max = std::chrono::seconds(1);         // wait up to base × 2^n, capped
  bool operator==(const retry_settings&) const = default;
};

// Active health checks of each backend a route uses (its model list, GET <url>/models).
struct health_settings {
  duration interval = std::chrono::seconds(10);  // 0 = no active checks
  duration timeout = std::chrono::seconds(3);
  unsigned healthy_after = 1;    // successful checks in a row that make a target healthy again
  unsigned unhealthy_after = 2;  // failed checks in a row that make it unhealthy
  bool operator==(const health_settings&) const = default;
};

struct router_config {
  breaker_settings breaker;
  retry_settings retry;
  health_settings health;
};

// How a route orders its targets for each request; the rest follow as fallbacks.
//   priority: the configured order.  round_robin: each request starts at the next target.
//   weighted: a smooth weighted rotation by `weight`.  least_outstanding: of two targets drawn
//   at random (by weight), the one with fewer requests in flight.  least_latency: the lowest
//   peak-EWMA time to first token, times the requests in flight.  consistent_hash: rendezvous
//   hashing of a request key (hash_on), so a conversation keeps reaching the same engine.
enum class route_strategy { priority, round_robin, weighted, least_outstanding, least_latency, consistent_hash };
const char* to_string(route_strategy s);

struct route_target_settings {
  unsigned weight = 1;
  unsigned max_concurrency = 0;  // requests at once through this route; 0 = no limit
  unsigned max_queue = 16;       // requests that may wait for a free place (with max_concurrency)
  duration queue_timeout = std::chrono::seconds(10);
  bool operator==(const route_target_settings&) const = default;
};

// Per-route deadlines; zero means the upstream: defaults (total: none).
struct route_timeouts {
  duration connect{};
  duration first_token{};  // request sent -> response head
  duration idle{};         // between chunks of a stream
  duration total{};        // the whole exchange, stream included
  bool operator==(const route_timeouts&) const = default;
};

struct route_config {
  std::string model;                                   // the client-facing name
  std::vector<std::string> targets;                    // "<backend>/<model>" ids, in priority order
  std::vector<route_target_settings> target_settings;  // per target, same order (missing: defaults)
  route_strategy strategy = route_strategy::priority;
  // consistent_hash: "user" (the body's user field), "session" (the x-session-id header), or
  // "prompt" (the start of the conversation); a missing key falls back to the prompt.
  std::string hash_on = "prompt";
  // Tried when every target failed, was saturated or refused: ids, or names of other routes or
  // aliases (their own fallbacks are not followed).
  std::vector<std::string> fallback;
  route_timeouts timeouts;
  int line = 0;

  route_target_settings settings(std::size_t i) const {
    return i < target_settings.size() ? target_settings[i] : route_target_settings{};
  }
};

// What the gateway keeps of the requests it answered (usage.db in the store's home): each request
// for the request log, then hourly usage totals.
struct observability_config {
  duration requests_retention = std::chrono::hours(7 * 24);  // a request stays in the request log this long...
  std::uint64_t requests_max_rows = 1'000'000;               // ...and while among the newest this many
  duration usage_retention = std::chrono::hours(90 * 24);    // hourly usage totals
  // Keep each inference request's body and the body it was sent (with the request, in the
  // request log), each cut at capture_max_bytes, the configuration's keys masked. Off: no body
  // is ever stored.
  bool capture_bodies = false;
  std::size_t capture_max_bytes = 64 * 1024;
  bool operator==(const observability_config&) const = default;
};

struct config {
  server_config server;
  upstream_config upstream;
  models_config models;
  engine_config engine;
  router_config router;
  discovery_settings discovery;
  observability_config observability;
  std::vector<backend_config> backends;
  std::map<std::string, std::string> aliases;  // client-facing name -> "<backend>/<model>"
  std::vector<route_config> routes;
  std::string source = "(defaults)";  // the file it came from, for messages
  std::size_t source_digest = 0;      // hash of that file's bytes (0: no file): an unchanged file is not reloaded
  bool source_blank = false;          // that file held nothing but blanks and comments

  // A configured backend, or the built-in "local" one (local_backend_config()); nullptr if none.
  const backend_config* find_backend(std::string_view name) const;
};

// The built-in backend of the models run on this machine: ids "local/<store name>".
const backend_config& local_backend_config();

// A configuration problem, with the place it was found when there is one.
class config_error : public std::runtime_error {
 public:
  config_error(std::string file, int line, std::string reason);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  std::string reason_;
};

// Keys given outside the file (--api-key, SWITCHYARD_API_KEYS) replace the file's keys. They are
// the operator's: no role can be given there, so they have the admin role.
void use_operator_keys(server_config& s, const std::vector<std::string>& keys);

// Checks cross-field rules (unique names, targets that exist, listen address, keys when exposed).
// Throws config_error for the first problem.
void validate(const config& cfg);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

// Splits "HOST:PORT" / "[v6]:PORT"; throws config_error on a bad form.
std::pair<std::string, unsigned short> split_listen(std::string_view listen);

}  // namespace sy
