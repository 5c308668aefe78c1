#pragma once
// An environment for tests: env_lookup over a fixed map of variables.
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/config_sources.h"

namespace sy::test {

inline env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace sy::test
