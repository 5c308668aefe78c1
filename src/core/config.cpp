#include "core/config.h"
#include "core/local_backend_name.h"
#include "core/secret.h"

#include <cctype>
#include <charconv>
#include <set>

#include <fmt/format.h>

namespace sy {

config_error::config_error(std::string file, int line, std::string reason)
    : std::runtime_error(line > 0 ? fmt::format("{}:{}: {}", file, line, reason) : fmt::format("{}: {}", file, reason)),
      file_(std::move(file)),
      line_(line),
      reason_(std::move(reason)) {}

const backend_config* config::find_backend(std::string_view name) const {
  for (const auto& b : backends)
    if (b.name == name) return &b;
  if (name == local_backend_name) return &local_backend_config();
  return nullptr;
}

const backend_config& local_backend_config() {
  static const backend_config local{
      .name = std::string(local_backend_name), .url = "http://127.0.0.1", .list_models = false};
  return local;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

std::pair<std::string, unsigned short> split_listen(std::string_view listen) {
  std::string_view host, port;
  if (listen.starts_with('[')) {
    auto close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      throw config_error("listen", 0, fmt::format("'{}' is not HOST:PORT", listen));
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      throw config_error("listen", 0, fmt::format("'{}' is not HOST:PORT", listen));
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    throw config_error("listen", 0, fmt::format("'{}' has no valid port (0-65535)", listen));
  return {std::string(host), static_cast<unsigned short>(value)};
}

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

void use_operator_keys(server_config& s, const std::vector<std::string>& keys) {
  s.api_keys = keys;
  for (const auto& k : keys) s.key_profiles[k].admin = true;
}

void validate(const config& cfg) {
  const auto& file = cfg.source;
  auto [host, port] = [&] {
    try {
      return split_listen(cfg.server.listen);
    } catch (const config_error& e) {
      throw config_error(file, 0, "server.listen: " + e.reason());
    }
  }();
  (void)port;
  if (!is_loopback_host(host) && cfg.server.api_keys.empty() && !cfg.server.insecure_no_auth)
    throw config_error(file, 0,
                       fmt::format("listening on {} (not loopback) needs server.api_keys, or --insecure-no-auth "
                                   "to serve everyone on the network without a key",
                                   host));
  for (const auto& key : cfg.server.api_keys)
    if (key.empty()) throw config_error(file, 0, "server.api_keys: an entry is empty (is its ${VAR} unset?)");
  if (cfg.server.threads < 0 || cfg.server.threads > 256)
    throw config_error(file, 0, "server.threads: must be between 0 (one per core) and 256");
  if (cfg.server.max_header_bytes < 1024) throw config_error(file, 0, "server.max_header_bytes: at least 1024");

  const auto& e = cfg.engine;
  if (e.max_loaded < 1) throw config_error(file, 0, "engine.max_loaded: at least 1");
  if (e.restart_backoff_max < e.restart_backoff)
    throw config_error(file, 0, "engine.restart_backoff_max: must not be shorter than engine.restart_backoff");
  auto check_settings = [&](const engine::engine_settings& s, std::string_view where) {
    if (s.parallel < 1) throw config_error(file, 0, fmt::format("{}.parallel: at least 1", where));
    if (s.context_size > 0 && s.context_size < s.parallel)
      throw config_error(
          file, 0,
          fmt::format("{}.context_size: {} cells cannot be shared by {} slots", where, s.context_size, s.parallel));
  };
  check_settings(e.defaults, "engine");
  if (cfg.router.breaker.open_max < cfg.router.breaker.open_base)
    throw config_error(file, 0, "router.breaker.open_max: must not be shorter than router.breaker.open_base");
  for (const auto& [name, o] : e.models)
    check_settings(engine::apply_overrides(e.defaults, o), "engine.models." + name);

  std::set<std::string> names;
  for (const auto& b : cfg.backends) {
    if (!valid_name(b.name))
      throw config_error(file, b.line,
                         fmt::format("backend name '{}' must be 1-64 letters, digits, '-', '_' or '.'", b.name));
    if (b.name == local_backend_name)
      throw config_error(file, b.line, "backend name 'local' is reserved for the models run on this machine");
    if (!names.insert(b.name).second)
      throw config_error(file, b.line, fmt::format("backend '{}' is defined twice", b.name));
    if (!b.url.starts_with("http://") && !b.url.starts_with("https://"))
      throw config_error(file, b.line, fmt::format("backend '{}': url must start with http:// or https://", b.name));
    if (has_url_credentials(b.url))
      throw config_error(file, b.line,
                         fmt::format("backend '{}': the url carries credentials (user:password@); put the key in "
                                     "api_key instead",
                                     b.name));
  }
  auto check_target = [&](const std::string& id, int line, std::string_view where) {
    auto slash = id.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == id.size())
      throw config_error(file, line, fmt::format("{}: '{}' is not a <backend>/<model> id", where, id));
    if (!cfg.find_backend(id.substr(0, slash)))
      throw config_error(file, line, fmt::format("{}: no backend named '{}'", where, id.substr(0, slash)));
  };
  std::set<std::string> client_names;
  for (const auto& [alias, target] : cfg.aliases) {
    check_target(target, 0, "alias '" + alias + "'");
    client_names.insert(alias);
  }
  for (const auto& r : cfg.routes) {
    if (r.model.empty()) throw config_error(file, r.line, "route: 'model' is required");
    if (r.targets.empty())
      throw config_error(file, r.line, fmt::format("route '{}': needs at least one target", r.model));
    if (!client_names.insert(r.model).second)
      throw config_error(file, r.line,
                         fmt::format("route '{}': the name is already an alias or another route", r.model));
    for (const auto& t : r.targets) check_target(t, r.line, "route '" + r.model + "'");
  }
  // fallbacks: ids, or names of other routes and aliases (known only now that all are read)
  for (const auto& r : cfg.routes)
    for (const auto& f : r.fallback) {
      if (f == r.model)
        throw config_error(file, r.line, fmt::format("route '{}': cannot fall back to itself", r.model));
      if (client_names.contains(f)) continue;
      check_target(f, r.line, "route '" + r.model + "' fallback");
    }
  const auto& rt = cfg.router.retry;
  if (rt.backoff_max < rt.backoff_base)
    throw config_error(file, 0, "router.retry.backoff_max: must not be shorter than router.retry.backoff_base");
  if (rt.budget_window <= duration::zero()) throw config_error(file, 0, "router.retry.budget_window: must be positive");
}

const char* backend_type_name(backend_type t) {
  switch (t) {
    case backend_type::openai: return "openai";
    case backend_type::anthropic: return "anthropic";
    case backend_type::gemini: return "gemini";
    case backend_type::ollama: return "ollama";
  }
  return "openai";
}

const char* to_string(route_strategy s) {
  switch (s) {
    case route_strategy::priority: return "priority";
    case route_strategy::round_robin: return "round_robin";
    case route_strategy::weighted: return "weighted";
    case route_strategy::least_outstanding: return "least_outstanding";
    case route_strategy::least_latency: return "least_latency";
    case route_strategy::consistent_hash: return "consistent_hash";
  }
  return "priority";
}

}  // namespace sy
