// The YAML reader: config text (with ${VAR} interpolation) -> config, every error naming its line
// (see config_sources.h).
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "core/config_sources.h"
#include "core/secret.h"

namespace sy {

namespace {

// Walks the YAML tree; every error names the line it came from.
class yaml_reader {
 public:
  yaml_reader(std::string file, const env_lookup& env, load_report* report)
      : file_(std::move(file)), env_(env), report_(report) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& reason) const {
    throw config_error(file_, line_of(node), reason);
  }
  static int line_of(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }
  // A problem that does not stop the file from loading (shown when the gateway starts).
  void warn(const YAML::Node& node, const std::string& what) const {
    if (report_) report_->warnings.push_back(fmt::format("{}:{}: {}", file_, line_of(node), what));
  }

  // Calls fn(key, value) for each entry; keys outside `known` are an error.
  template <class Fn>
  void for_each_key(const YAML::Node& map, std::string_view where, std::initializer_list<std::string_view> known,
                    Fn&& fn) const {
    if (!map.IsMap()) fail(map, fmt::format("{}: expected a mapping", where));
    for (const auto& kv : map) {
      auto key = kv.first.as<std::string>();
      bool ok = false;
      for (auto k : known) ok = ok || k == key;
      if (!ok) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        fail(kv.first, fmt::format("unknown key '{}' in {} (expected one of: {})", key, where, list));
      }
      fn(key, kv.second);
    }
  }

  std::string str(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) fail(node, fmt::format("{}: expected a string", what));
    return interpolate(node.Scalar(), node);
  }
  bool boolean(const YAML::Node& node, std::string_view what) const {
    auto s = str(node, what);
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail(node, fmt::format("{}: expected true or false, got '{}'", what, s));
  }
  long long integer(const YAML::Node& node, std::string_view what, long long lo, long long hi) const {
    auto s = str(node, what);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno == ERANGE || v < lo || v > hi)
      fail(node, fmt::format("{}: expected a whole number from {} to {}, got '{}'", what, lo, hi, s));
    return v;
  }
  duration dur(const YAML::Node& node, std::string_view what) const {
    auto s = str(node, what);
    auto d = parse_duration(s);
    if (!d) fail(node, fmt::format("{}: '{}' is not a duration (e.g. 500ms, 10s, 5m, 1h)", what, s));
    return *d;
  }
  // A path; a leading "~/" is the user's home ($HOME).
  std::string path(const YAML::Node& node, std::string_view what) const {
    auto p = str(node, what);
    if (p == "~" || p.starts_with("~/")) {
      auto home = env_("HOME");
      if (!home || home->empty()) fail(node, fmt::format("{}: '{}' needs $HOME, which is not set", what, p));
      p = *home + p.substr(1);
    }
    return p;
  }
  // "12GiB", "512MiB", "8G" (= GiB), "1.5GB", or a plain number of bytes.
  std::uint64_t bytes(const YAML::Node& node, std::string_view what) const {
    auto s = str(node, what);
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    std::string unit(end);
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    double scale = 0;
    if (unit.empty() || unit == "b")
      scale = 1;
    else if (unit == "k" || unit == "kib")
      scale = 1024.0;
    else if (unit == "kb")
      scale = 1e3;
    else if (unit == "m" || unit == "mib")
      scale = 1024.0 * 1024;
    else if (unit == "mb")
      scale = 1e6;
    else if (unit == "g" || unit == "gib")
      scale = 1024.0 * 1024 * 1024;
    else if (unit == "gb")
      scale = 1e9;
    else if (unit == "t" || unit == "tib")
      scale = 1024.0 * 1024 * 1024 * 1024;
    else if (unit == "tb")
      scale = 1e12;
    if (s.empty() || end == s.c_str() || errno == ERANGE || scale == 0 || !(v >= 0) || v * scale > 1e18)
      fail(node, fmt::format("{}: '{}' is not a size (e.g. 512MiB, 12GiB, 8G)", what, s));
    return static_cast<std::uint64_t>(v * scale);
  }
  std::vector<std::string> strings(const YAML::Node& node, std::string_view what) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) fail(node, fmt::format("{}: expected a list", what));
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(str(item, what));
    return out;
  }

  // ${VAR} and ${VAR:-default}; "$$" is a literal "$". An unset variable becomes "" and a warning.
  std::string interpolate(const std::string& s, const YAML::Node& node) const {
    if (s.find('$') == std::string::npos) return s;
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '$') {
        out += s[i];
        continue;
      }
      if (i + 1 < s.size() && s[i + 1] == '$') {
        out += '$';
        ++i;
        continue;
      }
      if (i + 1 >= s.size() || s[i + 1] != '{') {
        out += '$';
        continue;
      }
      auto close = s.find('}', i + 2);
      if (close == std::string::npos) fail(node, fmt::format("unterminated '${{' in '{}'", s));
      std::string inner = s.substr(i + 2, close - i - 2);
      std::string name = inner, fallback;
      bool has_default = false;
      if (auto p = inner.find(":-"); p != std::string::npos) {
        name = inner.substr(0, p);
        fallback = inner.substr(p + 2);
        has_default = true;
      }
      if (name.empty()) fail(node, "empty variable name in '${}'");
      auto value = env_(name);
      if (value && !value->empty())
        out += *value;
      else if (has_default)
        out += fallback;
      else if (report_)
        report_->warnings.push_back(fmt::format("{}:{}: ${{{}}} is not set", file_, line_of(node), name));
      i = close;
    }
    return out;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  const env_lookup& env_;
  load_report* report_;
};

rate_limit read_rate_limit(const yaml_reader& r, const YAML::Node& n, std::string_view where,
                           std::initializer_list<std::string_view> other_keys = {},
                           const std::function<void(const std::string&, const YAML::Node&)>& other = {}) {
  rate_limit out;
  std::vector<std::string_view> known{"requests_per_minute", "tokens_per_minute"};
  known.insert(known.end(), other_keys.begin(), other_keys.end());
  if (!n.IsMap()) r.fail(n, fmt::format("{}: expected a mapping", where));
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    auto what = fmt::format("{}.{}", where, key);
    if (key == "requests_per_minute")
      out.requests_per_minute = static_cast<std::uint32_t>(r.integer(kv.second, what, 0, 100'000'000));
    else if (key == "tokens_per_minute")
      out.tokens_per_minute = static_cast<std::uint64_t>(r.integer(kv.second, what, 0, 1'000'000'000'000LL));
    else if (other && std::find(known.begin(), known.end(), key) != known.end())
      other(key, kv.second);
    else
      r.fail(kv.first, fmt::format("unknown key '{}' in {} (expected one of: {})", key, where, fmt::join(known, ", ")));
  }
  return out;
}

// server.api_keys: each entry a key, or {key, name, role, requests_per_minute, tokens_per_minute}.
void read_api_keys(const yaml_reader& r, const YAML::Node& v, server_config& s) {
  if (v.IsNull()) return;
  if (!v.IsSequence()) r.fail(v, "server.api_keys: expected a list");
  s.api_keys.clear();
  s.key_profiles.clear();
  for (const auto& item : v) {
    if (item.IsScalar()) {
      s.api_keys.push_back(r.str(item, "server.api_keys"));
      continue;
    }
    std::string key;
    api_key_profile profile;
    bool has_limit = false;
    auto limit = read_rate_limit(r, item, "server.api_keys[]", {"key", "name", "role"},
                                 [&](const std::string& k, const YAML::Node& x) {
                                   if (k == "key") {
                                     key = r.str(x, "server.api_keys[].key");
                                   } else if (k == "name") {
                                     profile.name = r.str(x, "server.api_keys[].name");
                                   } else {
                                     auto role = r.str(x, "server.api_keys[].role");
                                     if (role != "admin" && role != "user")
                                       r.fail(x, "server.api_keys[].role: '" + role +
                                                     "' is not a role (admin: the admin API and the dashboard "
                                                     "too; user: the model APIs only, the default)");
                                     profile.admin = role == "admin";
                                   }
                                 });
    for (const auto& kv : item) {
      auto k = kv.first.as<std::string>();
      has_limit = has_limit || k == "requests_per_minute" || k == "tokens_per_minute";
    }
    if (has_limit) profile.limit = limit;
    if (key.empty()) r.fail(item, "server.api_keys[]: 'key' is required (is its ${VAR} unset?)");
    s.api_keys.push_back(key);
    s.key_profiles[key] = std::move(profile);
  }
  bool any_admin = false;
  for (const auto& [key, profile] : s.key_profiles) any_admin = any_admin || profile.admin;
  if (!s.api_keys.empty() && !any_admin)
    r.warn(v,
           "server.api_keys: no key has role: admin, so the admin API (/api/*) and the dashboard answer 403 to "
           "every key; give one key 'role: admin' to use them");
}

void read_server(const yaml_reader& r, const YAML::Node& n, server_config& s) {
  r.for_each_key(n, "server",
                 {"listen", "api_keys", "insecure_no_auth", "threads", "max_header_bytes", "max_body_bytes",
                  "header_timeout", "body_timeout", "idle_timeout", "shutdown_grace", "access_log", "allowed_hosts",
                  "allowed_origins", "metrics_auth", "rate_limit"},
                 [&](const std::string& k, const YAML::Node& v) {
                   if (k == "listen")
                     s.listen = r.str(v, "server.listen");
                   else if (k == "api_keys")
                     read_api_keys(r, v, s);
                   else if (k == "rate_limit")
                     s.rate_limit_per_key = read_rate_limit(r, v, "server.rate_limit");
                   else if (k == "insecure_no_auth")
                     s.insecure_no_auth = r.boolean(v, "server.insecure_no_auth");
                   else if (k == "threads")
                     s.threads = static_cast<int>(r.integer(v, "server.threads", 0, 256));
                   else if (k == "max_header_bytes")
                     s.max_header_bytes = static_cast<size_t>(r.integer(v, "server.max_header_bytes", 1024, 1 << 20));
                   else if (k == "max_body_bytes")
                     s.max_body_bytes = static_cast<size_t>(r.integer(v, "server.max_body_bytes", 1, 1LL << 32));
                   else if (k == "header_timeout")
                     s.header_timeout = r.dur(v, "server.header_timeout");
                   else if (k == "body_timeout")
                     s.body_timeout = r.dur(v, "server.body_timeout");
                   else if (k == "idle_timeout")
                     s.idle_timeout = r.dur(v, "server.idle_timeout");
                   else if (k == "shutdown_grace")
                     s.shutdown_grace = r.dur(v, "server.shutdown_grace");
                   else if (k == "access_log")
                     s.access_log = r.boolean(v, "server.access_log");
                   else if (k == "allowed_hosts")
                     s.allowed_hosts = r.strings(v, "server.allowed_hosts");
                   else if (k == "allowed_origins")
                     s.allowed_origins = r.strings(v, "server.allowed_origins");
                   else if (k == "metrics_auth")
                     s.metrics_auth = r.boolean(v, "server.metrics_auth");
                 });
}

void read_upstream(const yaml_reader& r, const YAML::Node& n, upstream_config& u) {
  r.for_each_key(n, "upstream",
                 {"connect_timeout", "first_byte_timeout", "read_idle_timeout", "max_idle_per_host",
                  "pool_idle_timeout", "models_refresh"},
                 [&](const std::string& k, const YAML::Node& v) {
                   if (k == "connect_timeout")
                     u.connect_timeout = r.dur(v, "upstream.connect_timeout");
                   else if (k == "first_byte_timeout")
                     u.first_byte_timeout = r.dur(v, "upstream.first_byte_timeout");
                   else if (k == "read_idle_timeout")
                     u.read_idle_timeout = r.dur(v, "upstream.read_idle_timeout");
                   else if (k == "max_idle_per_host")
                     u.max_idle_per_host = static_cast<size_t>(r.integer(v, "upstream.max_idle_per_host", 0, 4096));
                   else if (k == "pool_idle_timeout")
                     u.pool_idle_timeout = r.dur(v, "upstream.pool_idle_timeout");
                   else if (k == "models_refresh")
                     u.models_refresh = r.dur(v, "upstream.models_refresh");
                 });
}

void read_discovery(const yaml_reader& r, const YAML::Node& n, discovery_settings& d) {
  r.for_each_key(n, "discovery", {"local", "cloud", "interval"}, [&](const std::string& k, const YAML::Node& v) {
    if (k == "local")
      d.local = r.boolean(v, "discovery.local");
    else if (k == "cloud")
      d.cloud = r.boolean(v, "discovery.cloud");
    else if (k == "interval")
      d.interval = r.dur(v, "discovery.interval");
  });
  if (d.interval < std::chrono::seconds(1)) r.fail(n, "discovery.interval: at least 1s");
}

void read_observability(const yaml_reader& r, const YAML::Node& n, observability_config& o) {
  r.for_each_key(n, "observability",
                 {"requests_retention", "requests_max_rows", "usage_retention", "capture_bodies", "capture_max_bytes"},
                 [&](const std::string& k, const YAML::Node& v) {
                   if (k == "requests_retention")
                     o.requests_retention = r.dur(v, "observability.requests_retention");
                   else if (k == "requests_max_rows")
                     o.requests_max_rows = static_cast<std::uint64_t>(
                         r.integer(v, "observability.requests_max_rows", 1000, 1'000'000'000));
                   else if (k == "usage_retention")
                     o.usage_retention = r.dur(v, "observability.usage_retention");
                   else if (k == "capture_bodies")
                     o.capture_bodies = r.boolean(v, "observability.capture_bodies");
                   else if (k == "capture_max_bytes") {
                     auto b = r.bytes(v, "observability.capture_max_bytes");
                     if (b < 1024 || b > 16 * 1024 * 1024)
                       r.fail(v, "observability.capture_max_bytes: expected 1KiB to 16MiB");
                     o.capture_max_bytes = static_cast<std::size_t>(b);
                   }
                 });
  if (o.requests_retention < std::chrono::hours(1) || o.usage_retention < std::chrono::hours(1))
    r.fail(n, "observability: requests_retention and usage_retention must be at least 1h");
}

void read_models(const yaml_reader& r, const YAML::Node& n, models_config& m) {
  r.for_each_key(n, "models", {"home", "paths"}, [&](const std::string& k, const YAML::Node& v) {
    if (k == "home")
      m.home = r.path(v, "models.home");
    else if (k == "paths") {
      if (!v.IsNull() && !v.IsSequence()) r.fail(v, "models.paths: expected a list");
      m.paths.clear();
      for (const auto& item : v) m.paths.push_back(r.path(item, "models.paths"));
    }
  });
}

// The keys shared by `engine:` (defaults for every model) and `engine.models.<name>:`.
#define SY_ENGINE_SETTING_KEYS                                                                                     \
  "context_size", "parallel", "threads", "gpu_layers", "flash_attn", "cache_type_k", "cache_type_v", "batch_size", \
      "embeddings", "pooling", "warmup", "start_timeout", "extra_args"

bool read_engine_setting(const yaml_reader& r, const std::string& k, const YAML::Node& v, std::string_view where,
                         engine::engine_overrides& o) {
  auto what = fmt::format("{}.{}", where, k);
  if (k == "context_size")
    o.context_size = static_cast<uint32_t>(r.integer(v, what, 0, 1 << 24));
  else if (k == "parallel")
    o.parallel = static_cast<uint32_t>(r.integer(v, what, 1, 256));
  else if (k == "threads")
    o.threads = static_cast<uint32_t>(r.integer(v, what, 0, 1024));
  else if (k == "batch_size")
    o.batch_size = static_cast<uint32_t>(r.integer(v, what, 1, 1 << 20));
  else if (k == "gpu_layers") {
    if (r.str(v, what) == "auto")
      o.gpu_layers = std::optional<uint32_t>{};
    else
      o.gpu_layers = std::optional<uint32_t>{static_cast<uint32_t>(r.integer(v, what + " (or auto)", 0, 100000))};
  } else if (k == "flash_attn") {
    auto f = r.str(v, what);
    if (f == "auto")
      o.flash_attn = engine::flash_attention::automatic;
    else if (f == "on" || f == "true")
      o.flash_attn = engine::flash_attention::on;
    else if (f == "off" || f == "false")
      o.flash_attn = engine::flash_attention::off;
    else
      r.fail(v, fmt::format("{}: expected auto, on or off, got '{}'", what, f));
  } else if (k == "cache_type_k" || k == "cache_type_v") {
    auto t = r.str(v, what);
    static constexpr std::string_view known[] = {"f32",  "f16",    "bf16", "q8_0", "q4_0",
                                                 "q4_1", "iq4_nl", "q5_0", "q5_1"};
    if (std::find(std::begin(known), std::end(known), t) == std::end(known))
      r.fail(v, fmt::format("{}: '{}' is not a KV cache type (f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1)",
                            what, t));
    (k == "cache_type_k" ? o.cache_type_k : o.cache_type_v) = t;
  } else if (k == "embeddings")
    o.embeddings = r.boolean(v, what);
  else if (k == "pooling") {
    auto p = r.str(v, what);
    if (p != "none" && p != "mean" && p != "cls" && p != "last" && p != "rank")
      r.fail(v, fmt::format("{}: expected none, mean, cls, last or rank, got '{}'", what, p));
    o.pooling = p;
  } else if (k == "warmup")
    o.warmup = r.boolean(v, what);
  else if (k == "start_timeout")
    o.start_timeout = r.dur(v, what);
  else if (k == "extra_args")
    o.extra_args = r.strings(v, what);
  else
    return false;
  return true;
}

void read_engine(const yaml_reader& r, const YAML::Node& n, engine_config& e) {
  engine::engine_overrides defaults;
  r.for_each_key(
      n, "engine",
      {"llama_server", "max_loaded", "memory_budget", "idle_unload", "restart_backoff", "restart_backoff_max", "models",
       SY_ENGINE_SETTING_KEYS},
      [&](const std::string& k, const YAML::Node& v) {
        if (read_engine_setting(r, k, v, "engine", defaults)) return;
        if (k == "llama_server")
          e.llama_server = r.str(v, "engine.llama_server");
        else if (k == "max_loaded")
          e.max_loaded = static_cast<unsigned>(r.integer(v, "engine.max_loaded", 1, 64));
        else if (k == "memory_budget")
          e.memory_budget = r.str(v, "engine.memory_budget") == "auto" ? 0 : r.bytes(v, "engine.memory_budget");
        else if (k == "idle_unload")
          e.idle_unload = r.dur(v, "engine.idle_unload");
        else if (k == "restart_backoff")
          e.restart_backoff = r.dur(v, "engine.restart_backoff");
        else if (k == "restart_backoff_max")
          e.restart_backoff_max = r.dur(v, "engine.restart_backoff_max");
        else if (k == "models") {
          if (v.IsNull()) return;
          if (!v.IsMap()) r.fail(v, "engine.models: expected a mapping of model name: settings");
          for (const auto& kv : v) {
            auto name = r.str(kv.first, "engine.models key");
            auto where = "engine.models." + name;
            engine::engine_overrides o;
            r.for_each_key(
                kv.second, where, {SY_ENGINE_SETTING_KEYS},
                [&](const std::string& mk, const YAML::Node& mv) { read_engine_setting(r, mk, mv, where, o); });
            e.models[name] = std::move(o);
          }
        }
      });
  e.defaults = engine::apply_overrides(e.defaults, defaults);
}

#undef SY_ENGINE_SETTING_KEYS

backend_config read_backend(const yaml_reader& r, const YAML::Node& n) {
  backend_config b;
  b.line = yaml_reader::line_of(n);
  r.for_each_key(n, "backend", {"name", "type", "url", "api_key", "models", "list_models"},
                 [&](const std::string& k, const YAML::Node& v) {
                   if (k == "name")
                     b.name = r.str(v, "backend.name");
                   else if (k == "type") {
                     auto t = r.str(v, "backend.type");
                     if (t == "openai" || t == "openai_compat" || t == "vllm" || t == "llama_server" ||
                         t == "lmstudio" || t == "localai")
                       b.type = backend_type::openai;
                     else if (t == "anthropic")
                       b.type = backend_type::anthropic;
                     else if (t == "gemini")
                       b.type = backend_type::gemini;
                     else if (t == "ollama")
                       b.type = backend_type::ollama;
                     else
                       r.fail(v, fmt::format("backend.type: '{}' is not supported (supported: openai, "
                                             "openai_compat, vllm, llama_server, lmstudio, localai, anthropic, gemini, "
                                             "ollama)",
                                             t));
                   } else if (k == "url") {
                     b.url = r.str(v, "backend.url");
                     while (b.url.ends_with('/')) b.url.pop_back();
                   } else if (k == "api_key")
                     b.api_key = r.str(v, "backend.api_key");
                   else if (k == "models")
                     b.models = r.strings(v, "backend.models");
                   else if (k == "list_models")
                     b.list_models = r.boolean(v, "backend.list_models");
                 });
  if (b.name.empty()) r.fail(n, "backend: 'name' is required");
  if (b.url.empty() && b.type == backend_type::anthropic) b.url = "https://api.anthropic.com/v1";
  if (b.url.empty() && b.type == backend_type::gemini) b.url = "https://generativelanguage.googleapis.com/v1beta";
  // Ollama's native API lives at the server's root (/api/chat, ...); "/v1" is its OpenAI API
  if (b.url.empty() && b.type == backend_type::ollama) b.url = "http://127.0.0.1:11434";
  if (b.type == backend_type::ollama && b.url.ends_with("/v1"))
    r.fail(n, fmt::format("backend '{}': url '{}' ends in /v1, which is Ollama's OpenAI API: drop the /v1 for "
                          "type ollama (native API), or use type openai",
                          b.name, without_url_credentials(b.url)));
  if (b.url.empty()) r.fail(n, fmt::format("backend '{}': 'url' is required", b.name));
  return b;
}

void read_retry(const yaml_reader& r, const YAML::Node& v, retry_settings& s) {
  r.for_each_key(
      v, "router.retry",
      {"max_attempts", "budget_percent", "budget_min_per_second", "budget_window", "backoff_base", "backoff_max"},
      [&](const std::string& k, const YAML::Node& x) {
        auto what = "router.retry." + k;
        if (k == "max_attempts")
          s.max_attempts = unsigned(r.integer(x, what, 0, 20));
        else if (k == "budget_percent")
          s.budget_ratio = double(r.integer(x, what, 0, 1000)) / 100.0;
        else if (k == "budget_min_per_second")
          s.budget_min_per_second = unsigned(r.integer(x, what, 0, 100000));
        else if (k == "budget_window")
          s.budget_window = r.dur(x, what);
        else if (k == "backoff_base")
          s.backoff_base = r.dur(x, what);
        else if (k == "backoff_max")
          s.backoff_max = r.dur(x, what);
      });
}

void read_health(const yaml_reader& r, const YAML::Node& v, health_settings& h) {
  r.for_each_key(v, "router.health", {"interval", "timeout", "healthy_after", "unhealthy_after"},
                 [&](const std::string& k, const YAML::Node& x) {
                   auto what = "router.health." + k;
                   if (k == "interval")
                     h.interval = r.dur(x, what);
                   else if (k == "timeout")
                     h.timeout = r.dur(x, what);
                   else if (k == "healthy_after")
                     h.healthy_after = unsigned(r.integer(x, what, 1, 100));
                   else if (k == "unhealthy_after")
                     h.unhealthy_after = unsigned(r.integer(x, what, 1, 100));
                 });
}

void read_breaker(const yaml_reader& r, const YAML::Node& v, breaker_settings& b);

void read_router(const yaml_reader& r, const YAML::Node& n, router_config& rc) {
  r.for_each_key(n, "router", {"breaker", "retry", "health"}, [&](const std::string& k, const YAML::Node& v) {
    if (k == "breaker")
      read_breaker(r, v, rc.breaker);
    else if (k == "retry")
      read_retry(r, v, rc.retry);
    else
      read_health(r, v, rc.health);
  });
}

void read_breaker(const yaml_reader& r, const YAML::Node& v, breaker_settings& b) {
  {
    r.for_each_key(v, "router.breaker",
                   {"consecutive_failures", "failure_rate", "min_requests", "window", "open_base", "open_max", "probes",
                    "close_after"},
                   [&](const std::string& k, const YAML::Node& x) {
                     auto what = "router.breaker." + k;
                     if (k == "consecutive_failures")
                       b.consecutive_failures = unsigned(r.integer(x, what, 1, 1000000));
                     else if (k == "failure_rate") {
                       auto percent = r.integer(x, what + " (percent)", 1, 100);
                       b.failure_rate = double(percent) / 100.0;
                     } else if (k == "min_requests")
                       b.min_requests = unsigned(r.integer(x, what, 1, 1000000));
                     else if (k == "window")
                       b.window = r.dur(x, what);
                     else if (k == "open_base")
                       b.open_base = r.dur(x, what);
                     else if (k == "open_max")
                       b.open_max = r.dur(x, what);
                     else if (k == "probes")
                       b.probes = unsigned(r.integer(x, what, 1, 1000));
                     else if (k == "close_after")
                       b.close_after = unsigned(r.integer(x, what, 1, 1000));
                   });
  }
}

// A route target: "<backend>/<model>", or {id, weight, max_concurrency, max_queue, queue_timeout}.
void read_route_target(const yaml_reader& r, const YAML::Node& n, route_config& route) {
  route_target_settings ts;
  std::string id;
  if (n.IsScalar()) {
    id = r.str(n, "route.targets");
  } else {
    r.for_each_key(n, "route.targets[]", {"id", "weight", "max_concurrency", "max_queue", "queue_timeout"},
                   [&](const std::string& k, const YAML::Node& v) {
                     auto what = "route.targets[]." + k;
                     if (k == "id")
                       id = r.str(v, what);
                     else if (k == "weight")
                       ts.weight = unsigned(r.integer(v, what, 1, 10000));
                     else if (k == "max_concurrency")
                       ts.max_concurrency = unsigned(r.integer(v, what, 0, 1000000));
                     else if (k == "max_queue")
                       ts.max_queue = unsigned(r.integer(v, what, 0, 1000000));
                     else if (k == "queue_timeout")
                       ts.queue_timeout = r.dur(v, what);
                   });
    if (id.empty()) r.fail(n, "route.targets[]: 'id' is required");
  }
  route.targets.push_back(std::move(id));
  route.target_settings.push_back(ts);
}

route_config read_route(const yaml_reader& r, const YAML::Node& n) {
  route_config route;
  route.line = yaml_reader::line_of(n);
  r.for_each_key(n, "route", {"model", "targets", "strategy", "hash_on", "fallback", "timeouts"},
                 [&](const std::string& k, const YAML::Node& v) {
                   if (k == "model")
                     route.model = r.str(v, "route.model");
                   else if (k == "strategy") {
                     auto s = r.str(v, "route.strategy");
                     bool known = false;
                     for (auto st : {route_strategy::priority, route_strategy::round_robin, route_strategy::weighted,
                                     route_strategy::least_outstanding, route_strategy::least_latency,
                                     route_strategy::consistent_hash})
                       if (s == to_string(st)) route.strategy = st, known = true;
                     if (!known)
                       r.fail(v, fmt::format("route.strategy: '{}' is not one of priority, round_robin, weighted, "
                                             "least_outstanding, least_latency, consistent_hash",
                                             s));
                   } else if (k == "hash_on") {
                     route.hash_on = r.str(v, "route.hash_on");
                     if (route.hash_on != "user" && route.hash_on != "session" && route.hash_on != "prompt")
                       r.fail(v, fmt::format("route.hash_on: '{}' is not one of user, session, prompt", route.hash_on));
                   } else if (k == "targets") {
                     if (!v.IsSequence()) r.fail(v, "route.targets: expected a list");
                     for (const auto& t : v) read_route_target(r, t, route);
                   } else if (k == "fallback") {
                     route.fallback = v.IsScalar() ? std::vector<std::string>{r.str(v, "route.fallback")}
                                                   : r.strings(v, "route.fallback");
                   } else if (k == "timeouts") {
                     r.for_each_key(v, "route.timeouts", {"connect", "first_token", "idle", "total"},
                                    [&](const std::string& tk, const YAML::Node& x) {
                                      auto d = r.dur(x, "route.timeouts." + tk);
                                      if (tk == "connect")
                                        route.timeouts.connect = d;
                                      else if (tk == "first_token")
                                        route.timeouts.first_token = d;
                                      else if (tk == "idle")
                                        route.timeouts.idle = d;
                                      else
                                        route.timeouts.total = d;
                                    });
                   }
                 });
  return route;
}

}  // namespace

config parse_config_yaml(const std::string& text, const std::string& file_name, const env_lookup& env,
                         load_report* report) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw config_error(file_name, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
  }
  config cfg;
  cfg.source = file_name;
  if (root.IsNull()) return cfg;
  yaml_reader r(file_name, env, report);
  try {
    r.for_each_key(root, "the top level",
                   {"server", "upstream", "models", "engine", "router", "discovery", "observability", "backends",
                    "aliases", "routes"},
                   [&](const std::string& k, const YAML::Node& v) {
                     if (v.IsNull()) return;
                     if (k == "server")
                       read_server(r, v, cfg.server);
                     else if (k == "upstream")
                       read_upstream(r, v, cfg.upstream);
                     else if (k == "models")
                       read_models(r, v, cfg.models);
                     else if (k == "engine")
                       read_engine(r, v, cfg.engine);
                     else if (k == "router")
                       read_router(r, v, cfg.router);
                     else if (k == "discovery")
                       read_discovery(r, v, cfg.discovery);
                     else if (k == "observability")
                       read_observability(r, v, cfg.observability);
                     else if (k == "backends") {
                       if (!v.IsSequence()) r.fail(v, "backends: expected a list");
                       for (const auto& b : v) cfg.backends.push_back(read_backend(r, b));
                     } else if (k == "aliases") {
                       if (!v.IsMap()) r.fail(v, "aliases: expected a mapping of name: <backend>/<model>");
                       for (const auto& kv : v)
                         cfg.aliases[r.str(kv.first, "alias")] = r.str(kv.second, "alias target");
                     } else if (k == "routes") {
                       if (!v.IsSequence()) r.fail(v, "routes: expected a list");
                       for (const auto& route : v) cfg.routes.push_back(read_route(r, route));
                     }
                   });
  } catch (const YAML::Exception& e) {
    throw config_error(file_name, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
  }
  return cfg;
}

namespace {

// Whether YAML text holds nothing but whitespace and comments.
bool blank_yaml(std::string_view text) {
  bool in_comment = false;
  for (char c : text) {
    if (c == '\n')
      in_comment = false;
    else if (c == '#')
      in_comment = true;
    else if (!in_comment && c != ' ' && c != '\t' && c != '\r')
      return false;
  }
  return true;
}

}  // namespace

config load_config_file(const std::string& path, const env_lookup& env, load_report* report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path, 0, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > 4 * 1024 * 1024) throw config_error(path, 0, "larger than 4 MiB; is this a config file?");
  auto cfg = parse_config_yaml(text.str(), path, env, report);
  cfg.source_digest = std::hash<std::string>{}(text.str()) | 1;  // never 0
  cfg.source_blank = blank_yaml(text.str());
  return cfg;
}

}  // namespace sy
