#include "server/serve.h"

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/file_watcher.h"
#include "core/log.h"
#include "core/version.h"
#include "http/pch.h"
#include "http/server.h"
#include "server/dashboard_assets.h"
#include "server/gateway.h"

namespace sy {

namespace {

unsigned worker_threads(const config& cfg) {
  if (cfg.server.threads > 0) return static_cast<unsigned>(cfg.server.threads);
  return std::max(1u, std::thread::hardware_concurrency());
}

// Blocks until SIGINT/SIGTERM; returns the signal. Signals must be blocked in every thread
// before this (see serve()) so that sigwait() is the only receiver.
int wait_for_signal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_shutdown_signals() {
  auto set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int serve(std::shared_ptr<const config> cfg, config_source source) {
  // this thread takes the shutdown signals synchronously with sigwait(); the workers started
  // below inherit the mask (the caller blocked them before its first thread, see serve.h)
  block_shutdown_signals();
  auto set = shutdown_signals();
  std::signal(SIGPIPE, SIG_IGN);

  auto [host, port] = split_listen(cfg->server.listen);
  http::server_options opts;
  opts.host = host;
  opts.port = port;
  opts.threads = worker_threads(*cfg);
  opts.max_header_bytes = cfg->server.max_header_bytes;
  opts.max_body_bytes = cfg->server.max_body_bytes;
  opts.header_timeout = cfg->server.header_timeout;
  opts.body_timeout = cfg->server.body_timeout;
  opts.idle_timeout = cfg->server.idle_timeout;
  opts.allowed_hosts = cfg->server.allowed_hosts;
  opts.allowed_origins = cfg->server.allowed_origins;

  std::unique_ptr<gateway> made;
  try {
    made = std::make_unique<gateway>(cfg);
  } catch (const config_error& e) {  // e.g. a backend URL that cannot be used
    spdlog::error("cannot start: {}", e.what());
    return 2;
  }
  gateway& gw = *made;
  opts.on_refused = [&gw](const http::refused_request& r) { gw.log_refused(r); };
  gw.set_config_source(source);
  http::server srv(opts, [&gw](http::exchange& ex) { return gw.handle(ex); });
  gw.attach(srv);
  unsigned short bound = 0;
  try {
    bound = srv.start();
  } catch (const std::exception& e) {
    spdlog::error("cannot listen on {}: {}", cfg->server.listen, e.what());
    return 1;
  }
  gw.start_background(srv, bound);
  // a config file that changes is reloaded like SIGHUP
  std::unique_ptr<file_watcher> watcher;
  if (cfg->source != "(defaults)")
    watcher = std::make_unique<file_watcher>(cfg->source, [&gw] { gw.reload_from_source("file changed"); });
  if (!is_loopback_host(host)) {
    if (cfg->server.api_keys.empty())
      spdlog::warn(
          "listening on {} WITHOUT API keys (--insecure-no-auth): anyone who can reach this address can use "
          "every backend and its credentials",
          host);
  }
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  spdlog::info("switchyard {} listening on http://{}:{} ({} worker threads, {} backends, llama.cpp {})", version,
               shown_host, bound, opts.threads, cfg->backends.size(), std::string(llama_cpp_commit).substr(0, 12));
  if (!dashboard::assets().empty())
    spdlog::info("dashboard: open http://{}:{}/ in a browser{}", shown_host, bound,
                 cfg->server.api_keys.empty() ? "" : " (it asks for a key with role: admin)");
  flush_logs();

  int sig = wait_for_signal(set);
  while (sig == SIGHUP) {
    gw.reload_from_source("SIGHUP");
    sig = wait_for_signal(set);
  }
  spdlog::info("{} received: draining (up to {} for {} in-flight requests)", sig == SIGINT ? "SIGINT" : "SIGTERM",
               format_duration(cfg->server.shutdown_grace), srv.in_flight());
  // A second SIGINT/SIGTERM during the drain stops at once — but not before the background
  // tasks have stopped: stopping them waits for the workers, which stop_now() halts (Ctrl-C
  // twice would hang the process for good). The watcher is joined before serve() returns
  // (woken by a signal aimed at it), so it never outlives `srv`.
  std::atomic<bool> drained{false};
  std::mutex stop_mutex;
  bool tasks_stopped = false, stop_asked = false;  // guarded by stop_mutex
  std::thread second([&] {
    for (;;) {
      int s = wait_for_signal(set);
      if (drained.load()) return;
      if (s == SIGHUP) continue;  // no reloads while draining
      spdlog::warn("second signal: stopping now");
      std::lock_guard lock(stop_mutex);
      if (tasks_stopped)
        srv.stop_now();
      else
        stop_asked = true;
    }
  });
  watcher.reset();  // no reloads from here on: they would race the teardown
  gw.begin_shutdown();
  {
    std::lock_guard lock(stop_mutex);
    tasks_stopped = true;
    if (stop_asked) srv.stop_now();
  }
  auto cut = srv.drain(cfg->server.shutdown_grace);
  srv.wait();
  drained.store(true);
  pthread_kill(second.native_handle(), SIGHUP);
  second.join();
  gw.shutdown();
  if (cut > 0) spdlog::warn("shutdown deadline passed with {} requests still in flight", cut);
  spdlog::info("stopped");
  flush_logs();
  return 0;
}

}  // namespace sy
