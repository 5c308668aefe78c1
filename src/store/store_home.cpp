#include "store/store_home.h"

#include "store/store_error.h"

namespace sy::store {
namespace {
std::optional<std::string> non_empty(const env_lookup& env, const std::string& key) {
  auto v = env(key);
  return v && !v->empty() ? v : std::nullopt;
}
}  // namespace

std::string default_home(const env_lookup& env) {
  if (auto h = non_empty(env, "SWITCHYARD_HOME")) return *h;
  if (auto x = non_empty(env, "XDG_DATA_HOME")) return *x + "/switchyard";
  if (auto h = non_empty(env, "HOME")) return *h + "/.local/share/switchyard";
  throw store_error(store_errc::io, "no model store home: set SWITCHYARD_HOME (or HOME)");
}

std::string resolve_home(const std::string& configured, const env_lookup& env) {
  if (auto h = non_empty(env, "SWITCHYARD_HOME")) return *h;
  if (configured.empty()) return default_home(env);
  if (configured.starts_with("~/"))
    if (auto h = non_empty(env, "HOME")) return *h + configured.substr(1);
  return configured;
}

}  // namespace sy::store
