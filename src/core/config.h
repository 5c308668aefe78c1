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

struct server_config {
  std::string listen = "127.0.0.1:8321";               // HOST:PORT; port 0 picks a free port
  std::vector<std::string> api_keys;                   // when non-empty, /v1/* and /api/* need a Bearer key
  bool insecure_no_auth = false;                       // allow a non-loopback listen without keys (loud)
  int threads = 0;                                     // worker threads; 0 = one per core
  std::size_t max_header_bytes = 16 * 1024;            // larger request heads get 431
  std::size_t max_body_bytes = 16 * 1024 * 1024;       // larger request bodies get 413
  duration header_timeout = std::chrono::seconds(10);  // to receive a whole request head
  duration body_timeout = std::chrono::seconds(60);    // to receive a whole request body
  duration idle_timeout = std::chrono::seconds(75);    // keep-alive wait for the next request
  duration shutdown_grace = std::chrono::seconds(10);  // in-flight requests may finish this long
  bool access_log = true;                              // one JSON line per request, on stderr
  std::vector<std::string> allowed_hosts;              // extra Host values accepted on a loopback listener
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

enum class backend_type { openai };

struct backend_config {
  std::string name;  // the <backend> in model ids "<backend>/<model>"
  backend_type type = backend_type::openai;
  std::string url;                  // base URL including the API prefix, e.g. https://api.openai.com/v1
  std::string api_key;              // sent upstream as Authorization: Bearer; never logged
  std::vector<std::string> models;  // always listed, in addition to the upstream's own list
  bool list_models = true;          // ask the upstream's /models for more
  int line = 0;                     // where it was defined, for error messages
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

struct router_config {
  breaker_settings breaker;
};

// priority: the first healthy target leads; round_robin: each request starts at the next one;
// least_outstanding: of two targets drawn at random, the one with fewer requests in flight leads.
// The others remain fallbacks, in order.
enum class route_strategy { priority, round_robin, least_outstanding };

struct route_config {
  std::string model;                 // the client-facing name
  std::vector<std::string> targets;  // "<backend>/<model>" ids, in priority order
  route_strategy strategy = route_strategy::priority;
  int line = 0;
};

struct config {
  server_config server;
  upstream_config upstream;
  models_config models;
  engine_config engine;
  router_config router;
  std::vector<backend_config> backends;
  std::map<std::string, std::string> aliases;  // client-facing name -> "<backend>/<model>"
  std::vector<route_config> routes;
  std::string source = "(defaults)";  // the file it came from, for messages

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

// Checks cross-field rules (unique names, targets that exist, listen address, keys when exposed).
// Throws config_error for the first problem.
void validate(const config& cfg);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

// Splits "HOST:PORT" / "[v6]:PORT"; throws config_error on a bad form.
std::pair<std::string, unsigned short> split_listen(std::string_view listen);

}  // namespace sy
