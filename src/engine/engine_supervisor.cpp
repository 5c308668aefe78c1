#include "engine/engine_supervisor.h"

#include <fstream>

#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/human_units.h"
#include "engine/eviction.h"
#include "gguf/model_report.h"

namespace sy::engine {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct engine_supervisor::entry {
  explicit entry(std::string n) : name(std::move(n)) {}
  enum class phase { idle, loading, stopping };

  const std::string name;
  model_spec spec;                            // of the current (or last) load
  std::unique_ptr<engine_instance> instance;  // null when not loaded
  phase busy = phase::idle;                   // a thread is loading or stopping it (mutex_ released)
  unsigned in_flight = 0;
  steady::time_point last_used{};
  std::chrono::system_clock::time_point last_used_wall{};
  steady::time_point ready_since{};
  unsigned loads = 0;
  unsigned crashes_in_a_row = 0;  // failed starts and crashes since it last stayed up
  steady::time_point failed_at{};
  std::string last_error;
  std::optional<int> last_exit_status;
  std::uint64_t load_generation = 0;  // counts finished loads, so waiters know theirs ended
  bool last_load_ok = false;

  bool ready() const { return instance && instance->state() == engine_state::ready; }
};

engine_lease::~engine_lease() {
  sup_.release(model_);
}

engine_supervisor::engine_supervisor(process_launcher& launcher, supervisor_options opt)
    : launcher_(launcher), opt_(std::move(opt)) {
  if (!opt_.available_memory) opt_.available_memory = [] { return gguf::mem_available_bytes(); };
  std::error_code ec;
  std::filesystem::create_directories(opt_.log_dir, ec);
  ticker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!closing_) {
      changed_.wait_for(lock, opt_.tick);
      if (closing_) break;
      lock.unlock();
      tick();
      lock.lock();
    }
  });
}

void engine_supervisor::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
}

engine_supervisor::~engine_supervisor() {
  close();
  ticker_.join();
  std::lock_guard lock(mutex_);
  for (auto& [name, e] : entries_)
    if (e->instance) e->instance->stop(2s);
}

duration engine_supervisor::backoff_for(unsigned crashes) const {
  if (crashes == 0) return duration::zero();
  auto d = opt_.restart_backoff;
  for (unsigned i = 1; i < crashes && d < opt_.restart_backoff_max; ++i) d *= 2;
  return std::min(d, opt_.restart_backoff_max);
}

std::shared_ptr<engine_lease> engine_supervisor::lease_locked(entry& e, bool loaded_now) {
  ++e.in_flight;
  e.last_used = steady::now();
  e.last_used_wall = std::chrono::system_clock::now();
  return std::shared_ptr<engine_lease>(
      new engine_lease(*this, e.name, e.instance->port(), e.instance->api_key(), loaded_now));
}

void engine_supervisor::release(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  auto& e = *it->second;
  if (e.in_flight > 0) --e.in_flight;
  e.last_used = steady::now();
  e.last_used_wall = std::chrono::system_clock::now();
}

void engine_supervisor::note_exit(entry& e, int status) {
  if (e.instance->state() != engine_state::failed) return;  // stopped on purpose
  ++e.crashes_in_a_row;
  e.failed_at = steady::now();
  e.last_error = e.instance->last_error();
  e.last_exit_status = status;
  spdlog::error("local model '{}': engine ended unexpectedly (status {}): {}", e.name, status, e.last_error);
  e.instance.reset();  // the child is reaped: the crash is counted once, and the next load starts afresh
}

std::shared_ptr<engine_lease> engine_supervisor::try_acquire(const model_spec& spec) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(spec.name);
  if (it == entries_.end()) return nullptr;
  auto& e = *it->second;
  if (e.busy != entry::phase::idle || !e.ready() || e.spec.settings != spec.settings || e.spec.path != spec.path)
    return nullptr;
  if (auto st = e.instance->exited()) {
    note_exit(e, *st);
    return nullptr;
  }
  return lease_locked(e, false);
}

acquire_outcome engine_supervisor::acquire(const model_spec& spec) {
  std::unique_lock lock(mutex_);
  auto& slot = entries_[spec.name];
  if (!slot) slot = std::make_shared<entry>(spec.name);
  auto e = slot;  // entries are never erased; the copy keeps this one alive regardless
  std::optional<std::uint64_t> joined_load;
  for (;;) {
    if (closing_) return acquire_error{503, "shutting_down", "the gateway is shutting down", std::nullopt};
    if (e->busy != entry::phase::idle) {
      if (e->busy == entry::phase::loading && !joined_load) joined_load = e->load_generation;
      changed_.wait(lock);
      continue;
    }
    if (joined_load && e->load_generation != *joined_load && !e->last_load_ok)
      return acquire_error{503, "engine_failed",
                           fmt::format("local model '{}' failed to load: {}", e->name, e->last_error), std::nullopt};
    joined_load.reset();
    if (e->instance)
      if (auto st = e->instance->exited()) note_exit(*e, *st);
    if (e->ready()) {
      if ((e->spec.settings == spec.settings && e->spec.path == spec.path) || e->in_flight > 0)
        return lease_locked(*e, false);
      stop_entry(lock, *e, "its settings changed");  // idle: reload with the new ones
      continue;
    }
    if (e->crashes_in_a_row > 0) {
      auto until = e->failed_at + backoff_for(e->crashes_in_a_row);
      auto left = until - steady::now();
      if (left > std::chrono::seconds(2))  // a long backoff is not waited out on a pool thread
        return acquire_error{503, "engine_failed",
                             fmt::format("local model '{}' failed {} times in a row and restarts after a pause: {}",
                                         e->name, e->crashes_in_a_row, e->last_error),
                             std::chrono::duration_cast<duration>(left) + std::chrono::seconds(1)};
      if (left > duration::zero()) {
        changed_.wait_until(lock, until);
        continue;
      }
    }
    if (auto refused = make_room(lock, spec)) return *refused;
    if (e->busy != entry::phase::idle || e->ready()) continue;  // someone else moved first

    e->busy = entry::phase::loading;
    e->spec = spec;
    auto launch_settings = spec.settings;
    if (spec.placed_gpu_layers) launch_settings.gpu_layers = spec.placed_gpu_layers;
    e->instance = std::make_unique<engine_instance>(launcher_, opt_.server_binary, spec.path, spec.name,
                                                    std::move(launch_settings), log_path(spec.name));
    auto* inst = e->instance.get();
    spdlog::info("local model '{}': loading ({})", e->name, spec.memory_summary);
    lock.unlock();
    auto began = steady::now();
    bool ok = inst->start();
    lock.lock();
    e->busy = entry::phase::idle;
    ++e->load_generation;
    ++e->loads;
    e->last_load_ok = ok;
    changed_.notify_all();
    if (ok) {
      e->ready_since = steady::now();
      e->last_error.clear();
      spdlog::info("local model '{}': ready on port {} (pid {}) after {} ms", e->name, inst->port(), inst->pid(),
                   std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - began).count());
      return lease_locked(*e, true);
    }
    ++e->crashes_in_a_row;
    e->failed_at = steady::now();
    e->last_error = inst->last_error();
    if (e->last_error.empty()) e->last_error = "the load was stopped before the engine was ready";
    e->last_exit_status = inst->status().exit_status;
    e->instance.reset();
    spdlog::error("local model '{}': load failed: {}", e->name, e->last_error);
    return acquire_error{503, "engine_failed",
                         fmt::format("local model '{}' failed to load: {}", e->name, e->last_error), std::nullopt};
  }
}

std::optional<acquire_error> engine_supervisor::make_room(std::unique_lock<std::mutex>& lock, const model_spec& spec) {
  for (;;) {
    std::vector<engine_usage> usage;
    unsigned loaded = 0;
    std::uint64_t used = 0;
    std::uint64_t loading_bytes = 0;  // loads under way: not in MemAvailable yet
    for (const auto& [name, e] : entries_) {
      bool counts = e->busy == entry::phase::loading || e->ready();
      usage.push_back(
          {name, e->ready(), e->busy != entry::phase::idle, e->in_flight, e->last_used, e->spec.memory_bytes});
      if (counts && name != spec.name) ++loaded, used += e->spec.memory_bytes;
      if (e->busy == entry::phase::loading && name != spec.name) loading_bytes += e->spec.memory_bytes;
    }
    const std::uint64_t need = spec.memory_bytes, budget = opt_.memory_budget;
    if (budget && need > budget)  // refused for good under this configuration: not a retryable 503
      return acquire_error{507, "insufficient_memory",
                           fmt::format("local model '{}' needs about {} ({}), more than engine.memory_budget ({})",
                                       spec.name, human_bytes(need), spec.memory_summary, human_bytes(budget)),
                           std::nullopt};
    bool count_ok = loaded < opt_.max_loaded;
    bool budget_ok = !budget || used + need <= budget;
    std::uint64_t free_ram = opt_.available_memory();
    bool ram_ok = free_ram == 0 || need + loading_bytes <= free_ram;
    if (count_ok && budget_ok && ram_ok) return std::nullopt;
    auto victim = lru_victim(usage, spec.name);
    if (!victim) {
      if (!ram_ok && loaded == 0)
        return acquire_error{507, "insufficient_memory",
                             fmt::format("local model '{}' needs about {} ({}), but only {} of RAM is free; "
                                         "choose a smaller quantization or context, or free memory",
                                         spec.name, human_bytes(need), spec.memory_summary, human_bytes(free_ram)),
                             std::nullopt};
      std::string why = !count_ok    ? fmt::format("engine.max_loaded ({}) models are loaded", opt_.max_loaded)
                        : !budget_ok ? fmt::format("the loaded models use {} of the {} memory budget",
                                                   human_bytes(used), human_bytes(budget))
                                     : fmt::format("only {} of RAM is free", human_bytes(free_ram));
      return acquire_error{503, "engine_busy",
                           fmt::format("cannot load local model '{}' now: {} and all are serving requests; try again "
                                       "shortly",
                                       spec.name, why),
                           std::chrono::seconds(5)};
    }
    stop_entry(lock, *entries_.find(*victim)->second, fmt::format("making room for '{}'", spec.name));
  }
}

void engine_supervisor::stop_entry(std::unique_lock<std::mutex>& lock, entry& e, std::string_view why) {
  e.busy = entry::phase::stopping;
  auto* inst = e.instance.get();
  spdlog::info("local model '{}': unloading ({})", e.name, why);
  lock.unlock();
  inst->stop();
  lock.lock();
  e.instance.reset();
  e.busy = entry::phase::idle;
  changed_.notify_all();
}

void engine_supervisor::tick() {
  std::unique_lock lock(mutex_);
  auto now = steady::now();
  std::vector<engine_usage> usage;
  for (auto& [name, e] : entries_) {
    if (e->busy == entry::phase::idle && e->instance)
      if (auto st = e->instance->exited()) note_exit(*e, *st);
    if (e->ready() && e->crashes_in_a_row > 0 && now - e->ready_since >= opt_.restart_backoff_max)
      e->crashes_in_a_row = 0;  // it stayed up: the next crash starts the backoff afresh
    usage.push_back(
        {name, e->ready(), e->busy != entry::phase::idle, e->in_flight, e->last_used, e->spec.memory_bytes});
  }
  for (const auto& name : idle_expired(usage, opt_.idle_unload, now)) {
    auto& e = *entries_.find(name)->second;
    if (e.ready() && e.in_flight == 0 && e.busy == entry::phase::idle)  // still idle after earlier stops
      stop_entry(lock, e, fmt::format("idle for {}", format_duration(opt_.idle_unload)));
  }
}

void engine_supervisor::poll(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  auto& e = *it->second;
  if (e.busy == entry::phase::idle && e.instance)
    if (auto st = e.instance->exited()) note_exit(e, *st);
}

bool engine_supervisor::unload(const std::string& name, bool force, std::string& why) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second->instance) {
    why = fmt::format("local model '{}' is not loaded", name);
    return false;
  }
  auto e = it->second;
  if (e->busy != entry::phase::idle) {
    why = fmt::format("local model '{}' is {}; try again when it is done", name,
                      e->busy == entry::phase::loading ? "loading" : "already unloading");
    return false;
  }
  if (e->in_flight > 0 && !force) {
    why = fmt::format("local model '{}' has {} requests in flight (force to unload anyway)", name, e->in_flight);
    return false;
  }
  stop_entry(lock, *e, force ? "unload forced" : "unload requested");
  return true;
}

std::optional<engine_state> engine_supervisor::state_of(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  const auto& e = *it->second;
  if (!e.instance) return e.last_error.empty() ? std::nullopt : std::optional(engine_state::failed);
  return e.instance->status().state;
}

std::string engine_supervisor::log_path(std::string_view name) const {
  std::string file(name);
  for (auto& c : file)
    if (c == '/' || c == '\0') c = '_';
  return opt_.log_dir + "/" + file + ".log";
}

std::string engine_supervisor::log_tail(std::string_view name, std::size_t max_bytes) const {
  std::ifstream in(log_path(name), std::ios::binary | std::ios::ate);
  if (!in) return {};
  auto size = static_cast<std::uintmax_t>(in.tellg());
  auto start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(static_cast<std::size_t>(size - start), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  if (start > 0)  // begin at a whole line
    if (auto nl = out.find('\n'); nl != std::string::npos) out.erase(0, nl + 1);
  return out;
}

std::vector<engine_report> engine_supervisor::engines() const {
  std::lock_guard lock(mutex_);
  std::vector<engine_report> out;
  for (const auto& [name, e] : entries_) {
    if (!e->instance && e->last_error.empty()) continue;  // never loaded, or unloaded cleanly (as state_of)
    engine_report r;
    r.model = name;
    r.path = e->spec.path;
    if (e->instance) {
      r.status = e->instance->status();
    } else {
      r.status.state = engine_state::failed;
      r.status.exit_status = e->last_exit_status;
    }
    if (r.status.last_error.empty()) r.status.last_error = e->last_error;
    r.memory_bytes = e->spec.memory_bytes;
    r.in_flight = e->in_flight;
    r.slots = e->spec.settings.parallel;
    r.restarts = e->loads > 0 ? e->loads - 1 : 0;
    r.last_used = e->last_used_wall;
    out.push_back(std::move(r));
  }
  return out;
}

bool engine_supervisor::loaded(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  return it != entries_.end() && it->second->ready();
}

void engine_supervisor::set_limits(unsigned max_loaded, std::uint64_t memory_budget, duration idle_unload) {
  std::lock_guard lock(mutex_);
  opt_.max_loaded = max_loaded;
  opt_.memory_budget = memory_budget;
  opt_.idle_unload = idle_unload;
}

}  // namespace sy::engine
