// The effective configuration written back as YAML, every secret masked (see config_sources.h).
#include <string>

#include <yaml-cpp/yaml.h>

#include "core/config_sources.h"
#include "core/secret.h"

namespace sy {

std::string to_masked_yaml(const config& cfg) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
  const auto& s = cfg.server;
  out << YAML::Key << "listen" << YAML::Value << s.listen;
  out << YAML::Key << "api_keys" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& k : s.api_keys) {
    auto p = s.key_profiles.find(k);
    if (p == s.key_profiles.end()) {
      out << mask_secret(k);
      continue;
    }
    out << YAML::BeginMap << YAML::Key << "key" << YAML::Value << mask_secret(k);
    if (!p->second.name.empty()) out << YAML::Key << "name" << YAML::Value << p->second.name;
    if (p->second.admin) out << YAML::Key << "role" << YAML::Value << "admin";
    if (p->second.limit) {
      out << YAML::Key << "requests_per_minute" << YAML::Value << p->second.limit->requests_per_minute;
      out << YAML::Key << "tokens_per_minute" << YAML::Value << p->second.limit->tokens_per_minute;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (s.rate_limit_per_key.any()) {
    out << YAML::Key << "rate_limit" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "requests_per_minute" << YAML::Value << s.rate_limit_per_key.requests_per_minute;
    out << YAML::Key << "tokens_per_minute" << YAML::Value << s.rate_limit_per_key.tokens_per_minute << YAML::EndMap;
  }
  out << YAML::Key << "insecure_no_auth" << YAML::Value << s.insecure_no_auth;
  out << YAML::Key << "threads" << YAML::Value << s.threads;
  out << YAML::Key << "max_header_bytes" << YAML::Value << s.max_header_bytes;
  out << YAML::Key << "max_body_bytes" << YAML::Value << s.max_body_bytes;
  out << YAML::Key << "header_timeout" << YAML::Value << format_duration(s.header_timeout);
  out << YAML::Key << "body_timeout" << YAML::Value << format_duration(s.body_timeout);
  out << YAML::Key << "idle_timeout" << YAML::Value << format_duration(s.idle_timeout);
  out << YAML::Key << "shutdown_grace" << YAML::Value << format_duration(s.shutdown_grace);
  out << YAML::Key << "access_log" << YAML::Value << s.access_log;
  out << YAML::Key << "allowed_hosts" << YAML::Value << YAML::Flow << s.allowed_hosts;
  out << YAML::Key << "allowed_origins" << YAML::Value << YAML::Flow << s.allowed_origins;
  out << YAML::Key << "metrics_auth" << YAML::Value << s.metrics_auth;
  out << YAML::EndMap;
  const auto& u = cfg.upstream;
  out << YAML::Key << "upstream" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "connect_timeout" << YAML::Value << format_duration(u.connect_timeout);
  out << YAML::Key << "first_byte_timeout" << YAML::Value << format_duration(u.first_byte_timeout);
  out << YAML::Key << "read_idle_timeout" << YAML::Value << format_duration(u.read_idle_timeout);
  out << YAML::Key << "max_idle_per_host" << YAML::Value << u.max_idle_per_host;
  out << YAML::Key << "pool_idle_timeout" << YAML::Value << format_duration(u.pool_idle_timeout);
  out << YAML::Key << "models_refresh" << YAML::Value << format_duration(u.models_refresh);
  out << YAML::EndMap;
  const auto& o = cfg.observability;
  out << YAML::Key << "observability" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "requests_retention" << YAML::Value << format_duration(o.requests_retention);
  out << YAML::Key << "requests_max_rows" << YAML::Value << o.requests_max_rows;
  out << YAML::Key << "usage_retention" << YAML::Value << format_duration(o.usage_retention);
  out << YAML::Key << "capture_bodies" << YAML::Value << o.capture_bodies;
  out << YAML::Key << "capture_max_bytes" << YAML::Value << o.capture_max_bytes;
  out << YAML::EndMap;
  out << YAML::Key << "models" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "home" << YAML::Value << cfg.models.home;
  out << YAML::Key << "paths" << YAML::Value << YAML::Flow << cfg.models.paths;
  out << YAML::EndMap;
  const auto& e = cfg.engine;
  out << YAML::Key << "engine" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "llama_server" << YAML::Value << e.llama_server;
  out << YAML::Key << "max_loaded" << YAML::Value << e.max_loaded;
  out << YAML::Key << "memory_budget" << YAML::Value
      << (e.memory_budget ? std::to_string(e.memory_budget) : std::string("auto"));
  out << YAML::Key << "idle_unload" << YAML::Value << format_duration(e.idle_unload);
  out << YAML::Key << "restart_backoff" << YAML::Value << format_duration(e.restart_backoff);
  out << YAML::Key << "restart_backoff_max" << YAML::Value << format_duration(e.restart_backoff_max);
  const auto& d = e.defaults;
  out << YAML::Key << "context_size" << YAML::Value << d.context_size;
  out << YAML::Key << "parallel" << YAML::Value << d.parallel;
  out << YAML::Key << "threads" << YAML::Value << d.threads;
  out << YAML::Key << "gpu_layers" << YAML::Value
      << (d.gpu_layers ? std::to_string(*d.gpu_layers) : std::string("auto"));
  out << YAML::Key << "flash_attn" << YAML::Value << engine::to_string(d.flash_attn);
  out << YAML::Key << "cache_type_k" << YAML::Value << d.cache_type_k;
  out << YAML::Key << "cache_type_v" << YAML::Value << d.cache_type_v;
  out << YAML::Key << "batch_size" << YAML::Value << d.batch_size;
  out << YAML::Key << "warmup" << YAML::Value << d.warmup;
  out << YAML::Key << "start_timeout" << YAML::Value << format_duration(d.start_timeout);
  out << YAML::Key << "extra_args" << YAML::Value << YAML::Flow << d.extra_args;
  out << YAML::Key << "models" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, o] : e.models) {
    out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    if (o.context_size) out << YAML::Key << "context_size" << YAML::Value << *o.context_size;
    if (o.parallel) out << YAML::Key << "parallel" << YAML::Value << *o.parallel;
    if (o.threads) out << YAML::Key << "threads" << YAML::Value << *o.threads;
    if (o.gpu_layers)
      out << YAML::Key << "gpu_layers" << YAML::Value
          << (*o.gpu_layers ? std::to_string(**o.gpu_layers) : std::string("auto"));
    if (o.flash_attn) out << YAML::Key << "flash_attn" << YAML::Value << engine::to_string(*o.flash_attn);
    if (o.cache_type_k) out << YAML::Key << "cache_type_k" << YAML::Value << *o.cache_type_k;
    if (o.cache_type_v) out << YAML::Key << "cache_type_v" << YAML::Value << *o.cache_type_v;
    if (o.batch_size) out << YAML::Key << "batch_size" << YAML::Value << *o.batch_size;
    if (o.embeddings) out << YAML::Key << "embeddings" << YAML::Value << *o.embeddings;
    if (o.pooling) out << YAML::Key << "pooling" << YAML::Value << *o.pooling;
    if (o.warmup) out << YAML::Key << "warmup" << YAML::Value << *o.warmup;
    if (o.start_timeout) out << YAML::Key << "start_timeout" << YAML::Value << format_duration(*o.start_timeout);
    if (o.extra_args) out << YAML::Key << "extra_args" << YAML::Value << YAML::Flow << *o.extra_args;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  out << YAML::Key << "discovery" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "local" << YAML::Value << cfg.discovery.local;
  out << YAML::Key << "cloud" << YAML::Value << cfg.discovery.cloud;
  out << YAML::Key << "interval" << YAML::Value << format_duration(cfg.discovery.interval);
  out << YAML::EndMap;
  out << YAML::Key << "backends" << YAML::Value << YAML::BeginSeq;
  for (const auto& b : cfg.backends) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << b.name;
    out << YAML::Key << "type" << YAML::Value << backend_type_name(b.type);
    out << YAML::Key << "url" << YAML::Value << without_url_credentials(b.url);
    out << YAML::Key << "api_key" << YAML::Value << mask_secret(b.api_key);
    out << YAML::Key << "models" << YAML::Value << YAML::Flow << b.models;
    out << YAML::Key << "list_models" << YAML::Value << b.list_models;
    if (!b.discovered.empty()) out << YAML::Comment(b.discovered);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "aliases" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : cfg.aliases) out << YAML::Key << k << YAML::Value << v;
  out << YAML::EndMap;
  const auto& b = cfg.router.breaker;
  out << YAML::Key << "router" << YAML::Value << YAML::BeginMap << YAML::Key << "breaker" << YAML::Value
      << YAML::BeginMap;
  out << YAML::Key << "consecutive_failures" << YAML::Value << b.consecutive_failures;
  out << YAML::Key << "failure_rate" << YAML::Value << int(b.failure_rate * 100 + 0.5);
  out << YAML::Key << "min_requests" << YAML::Value << b.min_requests;
  out << YAML::Key << "window" << YAML::Value << format_duration(b.window);
  out << YAML::Key << "open_base" << YAML::Value << format_duration(b.open_base);
  out << YAML::Key << "open_max" << YAML::Value << format_duration(b.open_max);
  out << YAML::Key << "probes" << YAML::Value << b.probes;
  out << YAML::Key << "close_after" << YAML::Value << b.close_after;
  out << YAML::EndMap;
  const auto& rt = cfg.router.retry;
  out << YAML::Key << "retry" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_attempts" << YAML::Value << rt.max_attempts;
  out << YAML::Key << "budget_percent" << YAML::Value << int(rt.budget_ratio * 100 + 0.5);
  out << YAML::Key << "budget_min_per_second" << YAML::Value << rt.budget_min_per_second;
  out << YAML::Key << "budget_window" << YAML::Value << format_duration(rt.budget_window);
  out << YAML::Key << "backoff_base" << YAML::Value << format_duration(rt.backoff_base);
  out << YAML::Key << "backoff_max" << YAML::Value << format_duration(rt.backoff_max);
  out << YAML::EndMap;
  const auto& h = cfg.router.health;
  out << YAML::Key << "health" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "interval" << YAML::Value << format_duration(h.interval);
  out << YAML::Key << "timeout" << YAML::Value << format_duration(h.timeout);
  out << YAML::Key << "healthy_after" << YAML::Value << h.healthy_after;
  out << YAML::Key << "unhealthy_after" << YAML::Value << h.unhealthy_after;
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : cfg.routes) {
    out << YAML::BeginMap << YAML::Key << "model" << YAML::Value << r.model;
    out << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq;
    for (std::size_t i = 0; i < r.targets.size(); ++i) {
      const auto& ts = i < r.target_settings.size() ? r.target_settings[i] : route_target_settings{};
      if (ts == route_target_settings{}) {
        out << r.targets[i];
        continue;
      }
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "id" << YAML::Value << r.targets[i];
      out << YAML::Key << "weight" << YAML::Value << ts.weight;
      out << YAML::Key << "max_concurrency" << YAML::Value << ts.max_concurrency;
      out << YAML::Key << "max_queue" << YAML::Value << ts.max_queue;
      out << YAML::Key << "queue_timeout" << YAML::Value << format_duration(ts.queue_timeout) << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "strategy" << YAML::Value << to_string(r.strategy);
    if (r.strategy == route_strategy::consistent_hash) out << YAML::Key << "hash_on" << YAML::Value << r.hash_on;
    if (!r.fallback.empty()) out << YAML::Key << "fallback" << YAML::Value << YAML::Flow << r.fallback;
    if (!(r.timeouts == route_timeouts{})) {
      out << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
      for (auto [name, limit] :
           {std::pair{"connect", r.timeouts.connect}, std::pair{"first_token", r.timeouts.first_token},
            std::pair{"idle", r.timeouts.idle}, std::pair{"total", r.timeouts.total}})
        if (limit > duration::zero()) out << YAML::Key << name << YAML::Value << format_duration(limit);
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace sy
