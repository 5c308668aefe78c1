#pragma once
// The gateway's request handler: routes by path, checks API keys, resolves the model and hands
// the request to its backend; records metrics and one access-log line per request.
//
// Threading: handle() runs on any worker; per-worker state (upstream pools) is indexed by
// exchange::worker. Configuration is an immutable snapshot shared by all.
#include <memory>
#include <vector>

#include "backends/openai_compat/openai_backend.h"
#include "core/config.h"
#include "http/server.h"
#include "http/upstream_pool.h"
#include "router/model_catalog.h"
#include "server/metrics.h"

namespace sy {

class gateway {
 public:
  explicit gateway(std::shared_ptr<const config> cfg);  // throws config_error (bad backend URL)
  ~gateway();

  // Creates one upstream pool per worker of `srv`; call before srv.start().
  void attach(http::server& srv);
  // Starts listing each backend's models now and every upstream.models_refresh.
  void start_model_refresh(http::server& srv);

  http::net::awaitable<void> handle(http::exchange& ex);

  model_catalog& catalog() { return catalog_; }
  gateway_metrics& metrics() { return metrics_; }

 private:
  struct request_log;
  http::net::awaitable<void> proxy(http::exchange& ex, std::string_view path, request_log& log);
  http::net::awaitable<void> list_models(http::exchange& ex);
  http::net::awaitable<void> get_model(http::exchange& ex, std::string_view id);
  bool authorized(const http::exchange& ex) const;
  backends::openai_backend* backend(std::string_view name);
  void finish(const http::exchange& ex, const request_log& log);

  std::shared_ptr<const config> cfg_;
  std::vector<std::unique_ptr<backends::openai_backend>> backends_;
  std::unique_ptr<http::net::ssl::context> tls_;
  std::vector<std::unique_ptr<http::upstream_pool>> pools_;  // one per worker
  model_catalog catalog_;
  gateway_metrics metrics_;
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
};

}  // namespace sy
