#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
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

void read_server(const yaml_reader& r, const YAML::Node& n, server_config& s) {
  r.for_each_key(n, "server",
                 {"listen", "api_keys", "insecure_no_auth", "threads", "max_header_bytes", "max_body_bytes",
                  "header_timeout", "body_timeout", "idle_timeout", "shutdown_grace", "access_log", "allowed_hosts"},
                 [&](const std::string& k, const YAML::Node& v) {
                   if (k == "listen")
                     s.listen = r.str(v, "server.listen");
                   else if (k == "api_keys")
                     s.api_keys = r.strings(v, "server.api_keys");
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

backend_config read_backend(const yaml_reader& r, const YAML::Node& n) {
  backend_config b;
  b.line = yaml_reader::line_of(n);
  r.for_each_key(n, "backend", {"name", "type", "url", "api_key", "models", "list_models"},
                 [&](const std::string& k, const YAML::Node& v) {
                   if (k == "name")
                     b.name = r.str(v, "backend.name");
                   else if (k == "type") {
                     auto t = r.str(v, "backend.type");
                     if (t == "openai" || t == "openai_compat" || t == "vllm" || t == "llama_server")
                       b.type = backend_type::openai;
                     else
                       r.fail(v, fmt::format("backend.type: '{}' is not supported yet (supported: openai, "
                                             "openai_compat, vllm, llama_server)",
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
  if (b.url.empty()) r.fail(n, fmt::format("backend '{}': 'url' is required", b.name));
  return b;
}

route_config read_route(const yaml_reader& r, const YAML::Node& n) {
  route_config route;
  route.line = yaml_reader::line_of(n);
  r.for_each_key(n, "route", {"model", "targets"}, [&](const std::string& k, const YAML::Node& v) {
    if (k == "model")
      route.model = r.str(v, "route.model");
    else if (k == "targets")
      route.targets = r.strings(v, "route.targets");
  });
  return route;
}

}  // namespace

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

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
    r.for_each_key(root, "the top level", {"server", "upstream", "backends", "aliases", "routes"},
                   [&](const std::string& k, const YAML::Node& v) {
                     if (v.IsNull()) return;
                     if (k == "server")
                       read_server(r, v, cfg.server);
                     else if (k == "upstream")
                       read_upstream(r, v, cfg.upstream);
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

config load_config_file(const std::string& path, const env_lookup& env, load_report* report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path, 0, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > 4 * 1024 * 1024) throw config_error(path, 0, "larger than 4 MiB; is this a config file?");
  return parse_config_yaml(text.str(), path, env, report);
}

std::optional<std::string> default_config_path(const env_lookup& env) {
  if (auto p = env("SWITCHYARD_CONFIG"); p && !p->empty()) return p;
  std::string base;
  if (auto x = env("XDG_CONFIG_HOME"); x && !x->empty())
    base = *x;
  else if (auto h = env("HOME"); h && !h->empty())
    base = *h + "/.config";
  else
    return std::nullopt;
  auto path = base + "/switchyard/config.yaml";
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

void apply_env_overrides(config& cfg, const env_lookup& env) {
  if (auto v = env("SWITCHYARD_LISTEN"); v && !v->empty()) cfg.server.listen = *v;
  if (auto v = env("SWITCHYARD_API_KEYS"); v && !v->empty()) {
    cfg.server.api_keys.clear();
    std::stringstream ss(*v);
    for (std::string key; std::getline(ss, key, ',');)
      if (!key.empty()) cfg.server.api_keys.push_back(key);
  }
  if (auto v = env("SWITCHYARD_THREADS"); v && !v->empty()) {
    char* end = nullptr;
    long n = std::strtol(v->c_str(), &end, 10);
    if (*end != '\0' || n < 0 || n > 256) throw config_error("SWITCHYARD_THREADS", 0, "expected 0-256");
    cfg.server.threads = static_cast<int>(n);
  }
  if (auto v = env("SWITCHYARD_INSECURE_NO_AUTH"); v && (*v == "1" || *v == "true")) cfg.server.insecure_no_auth = true;
}

std::string to_masked_yaml(const config& cfg) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
  const auto& s = cfg.server;
  out << YAML::Key << "listen" << YAML::Value << s.listen;
  out << YAML::Key << "api_keys" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& k : s.api_keys) out << mask_secret(k);
  out << YAML::EndSeq;
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
  out << YAML::Key << "backends" << YAML::Value << YAML::BeginSeq;
  for (const auto& b : cfg.backends) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << b.name;
    out << YAML::Key << "type" << YAML::Value << "openai";
    out << YAML::Key << "url" << YAML::Value << b.url;
    out << YAML::Key << "api_key" << YAML::Value << mask_secret(b.api_key);
    out << YAML::Key << "models" << YAML::Value << YAML::Flow << b.models;
    out << YAML::Key << "list_models" << YAML::Value << b.list_models;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "aliases" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : cfg.aliases) out << YAML::Key << k << YAML::Value << v;
  out << YAML::EndMap;
  out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : cfg.routes) {
    out << YAML::BeginMap << YAML::Key << "model" << YAML::Value << r.model;
    out << YAML::Key << "targets" << YAML::Value << YAML::Flow << r.targets << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace sy
