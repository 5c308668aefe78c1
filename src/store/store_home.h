#pragma once
// Where the local store lives: $SWITCHYARD_HOME, else $XDG_DATA_HOME/switchyard, else
// $HOME/.local/share/switchyard. Inside it: models/ (GGUF files) and manifest.db (SQLite).
#include <string>

#include "core/config_sources.h"

namespace sy::store {

// The home directory from the environment (not created). Throws store_error (io) when none of
// SWITCHYARD_HOME, XDG_DATA_HOME and HOME is set.
std::string default_home(const env_lookup& env);

// The effective home: $SWITCHYARD_HOME (the environment beats the config file), else
// `configured` (models.home, a leading "~/" expanded with $HOME) when non-empty, else
// default_home(env).
std::string resolve_home(const std::string& configured, const env_lookup& env);

inline std::string models_dir(const std::string& home) {
  return home + "/models";
}
inline std::string manifest_path(const std::string& home) {
  return home + "/manifest.db";
}

}  // namespace sy::store
