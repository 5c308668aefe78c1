#include "server/client_auth.h"

#include "core/secret.h"
#include "http/pch.h"
#include "server/usage_store.h"

namespace sy {

namespace bhttp = http::bhttp;

std::optional<std::string> presented_key(const config& cfg, const http::head_fields& head) {
  const auto& keys = cfg.server.api_keys;
  if (keys.empty()) return std::string();
  std::string_view presented;
  auto auth = head.authorization;
  if (auth.size() > 7 && boost::beast::iequals(auth.substr(0, 7), "Bearer "))
    presented = auth.substr(7);
  else
    presented = head.api_key;
  if (presented.empty()) return std::nullopt;
  const std::string* match = nullptr;
  for (const auto& k : keys)  // no early exit: timing
    if (constant_time_equal(presented, k)) match = &k;
  if (!match) return std::nullopt;
  return *match;
}

bool may_administer(const config& cfg, const std::string& key) {
  if (cfg.server.api_keys.empty()) return true;
  auto p = cfg.server.key_profiles.find(key);
  return p != cfg.server.key_profiles.end() && p->second.admin;
}

std::string client_identity(const config& cfg, const std::string& key, const http::exchange& ex) {
  if (key.empty()) return ex.peer.empty() ? "anonymous" : "ip:" + ex.peer;
  if (auto p = cfg.server.key_profiles.find(key); p != cfg.server.key_profiles.end() && !p->second.name.empty())
    return p->second.name;
  return usage_key_id(key);
}

bool body_is_json(const http::request& req, std::string_view type) {
  auto method = req.method();
  if (method != bhttp::verb::post && method != bhttp::verb::put && method != bhttp::verb::patch) return true;
  if (type.empty()) return req.body().empty();
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  if (boost::beast::iequals(type, "application/json")) return true;
  // application/<anything>+json (e.g. application/merge-patch+json)
  return type.size() > 17 && boost::beast::iequals(type.substr(0, 12), "application/") &&
         boost::beast::iequals(type.substr(type.size() - 5), "+json");
}

const rate_limit& limit_for(const config& cfg, const std::string& key) {
  if (auto p = cfg.server.key_profiles.find(key); p != cfg.server.key_profiles.end() && p->second.limit)
    return *p->second.limit;
  return cfg.server.rate_limit_per_key;
}

}  // namespace sy
