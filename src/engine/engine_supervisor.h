#pragma once
// The engine supervisor: one llama-server child per loaded local model, loaded on demand,
// shared by concurrent requests, unloaded when idle or when another model needs the room, and
// restarted (with backoff) after a crash.
//
//   acquire(spec) ──▶ ready?  ── yes ──▶ lease (in_flight + 1; released when the lease dies)
//                       │ no
//                       ├─ another thread is loading it ──▶ wait for that load, share its outcome
//                       ├─ crashed recently ──▶ wait out the backoff (1 s, 2 s, 4 s ... up to max)
//                       ├─ make room: while max_loaded is reached or the memory estimate does not
//                       │  fit (budget, and free RAM), unload the least recently used idle model;
//                       │  nothing idle to unload ──▶ error (busy / insufficient memory)
//                       └─ start the child, wait until healthy ──▶ lease, or error with log tail
//
// A model with requests in flight is never unloaded. A background thread polls the children
// every `tick` (crash detection) and unloads models idle for `idle_unload`.
//
// Threading: every public member is thread-safe. acquire(), unload() and the destructor block
// (a load takes seconds): call them from a thread that may block, never an io_context worker.
// Leases may be released on any thread and must not outlive the supervisor.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/duration.h"
#include "engine/engine_instance.h"
#include "engine/process_launcher.h"

namespace sy::engine {

// What to run for one model, decided before each load (settings may change on reload).
struct model_spec {
  std::string name;  // store name, e.g. "qwen2.5-0.5b-instruct:q4_k_m"
  std::string path;  // GGUF to load (first part of a split)
  engine_settings settings;
  std::optional<std::uint32_t> placed_gpu_layers;  // -ngl chosen by placement for "auto"; launches only
  std::uint64_t memory_bytes = 0;                  // estimated RAM need (placement)
  std::string memory_summary;                      // how the estimate is made up, for messages
};

struct supervisor_options {
  std::string server_binary;  // llama-server
  std::string log_dir;        // <log_dir>/<model>.log per model
  unsigned max_loaded = 2;
  std::uint64_t memory_budget = 0;  // 0 = no budget beyond what the machine has free
  duration idle_unload = std::chrono::minutes(10);
  duration restart_backoff = std::chrono::seconds(1);
  duration restart_backoff_max = std::chrono::minutes(1);
  duration tick = std::chrono::seconds(1);
  std::function<std::uint64_t()> available_memory;  // free RAM in bytes; default /proc/meminfo
};

class engine_supervisor;

// Holding a lease keeps its model loaded and counted in flight.
class engine_lease {
 public:
  ~engine_lease();
  engine_lease(const engine_lease&) = delete;
  engine_lease& operator=(const engine_lease&) = delete;
  const std::string& model() const { return model_; }
  unsigned short port() const { return port_; }
  const std::string& api_key() const { return api_key_; }  // the child's key; never log it
  bool loaded_now() const { return loaded_now_; }          // this acquire() started the child

 private:
  friend class engine_supervisor;
  engine_lease(engine_supervisor& s, std::string model, unsigned short port, std::string key, bool loaded_now)
      : sup_(s), model_(std::move(model)), port_(port), api_key_(std::move(key)), loaded_now_(loaded_now) {}
  engine_supervisor& sup_;
  std::string model_;
  unsigned short port_;
  std::string api_key_;
  bool loaded_now_;
};

struct acquire_error {
  unsigned status = 503;
  std::string code;  // "engine_failed", "engine_busy", "insufficient_memory"
  std::string message;
  std::optional<duration> retry_after;
};

using acquire_outcome = std::variant<std::shared_ptr<engine_lease>, acquire_error>;

// One engine as the admin API shows it.
struct engine_report {
  std::string model, path;
  engine_status status;
  std::uint64_t memory_bytes = 0;
  unsigned in_flight = 0, slots = 0;
  unsigned restarts = 0;  // loads after the first
  std::chrono::system_clock::time_point last_used;
};

class engine_supervisor {
 public:
  engine_supervisor(process_launcher& launcher, supervisor_options opt);
  ~engine_supervisor();  // stops every child
  engine_supervisor(const engine_supervisor&) = delete;
  engine_supervisor& operator=(const engine_supervisor&) = delete;

  // A lease on a model that is ready now, without blocking; nullptr when it is not.
  std::shared_ptr<engine_lease> try_acquire(const model_spec& spec);
  // Loads the model when needed (blocking), then leases it.
  acquire_outcome acquire(const model_spec& spec);
  // Stops a model's engine. Refuses (false, with why) while requests are in flight unless
  // `force`; false with why when it is not loaded.
  bool unload(const std::string& name, bool force, std::string& why);
  // Polls the children for crashes and unloads idle models (the background thread calls it).
  void tick();
  // Notices at once whether `name`'s child has died (after a failed request), without blocking.
  void poll(const std::string& name);

  // Shutting down: waiting acquire() calls return at once (a load under way still finishes).
  void close();

  std::vector<engine_report> engines() const;
  // One model's state as engines() reports it; nullopt when it has no engine (never loaded,
  // or unloaded cleanly). Cheap: for every routed request.
  std::optional<engine_state> state_of(std::string_view name) const;
  bool loaded(const std::string& name) const;
  // The engine log of a model (every run of it, appended): its path, and its last `max_bytes`
  // from a line start ("" when there is none). Reads the disk: not on a network thread.
  std::string log_path(std::string_view name) const;
  std::string log_tail(std::string_view name, std::size_t max_bytes) const;
  void set_limits(unsigned max_loaded, std::uint64_t memory_budget, duration idle_unload);

 private:
  friend class engine_lease;
  struct entry;
  void release(const std::string& name);
  // Unloads least recently used idle models until `spec` fits; "" when it does, else why not.
  std::optional<acquire_error> make_room(std::unique_lock<std::mutex>& lock, const model_spec& spec);
  void stop_entry(std::unique_lock<std::mutex>& lock, entry& e, std::string_view why);
  void note_exit(entry& e, int status);  // mutex_ held
  duration backoff_for(unsigned crashes) const;
  std::shared_ptr<engine_lease> lease_locked(entry& e, bool loaded_now);

  process_launcher& launcher_;
  supervisor_options opt_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a load or stop finished, or the supervisor is closing
  std::map<std::string, std::shared_ptr<entry>, std::less<>> entries_;
  bool closing_ = false;
  std::thread ticker_;
};

}  // namespace sy::engine
