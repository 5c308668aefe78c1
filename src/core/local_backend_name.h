#pragma once
// The built-in backend of the local model store: its name, and how its models are named to
// clients ("local/<store name>"). The one place that spells either.
#include <optional>
#include <string>
#include <string_view>

namespace sy {

inline constexpr std::string_view local_backend_name = "local";

// "local/<name>": the id under which a store model is served and listed.
inline std::string local_model_id(std::string_view store_name) {
  std::string id;
  id.reserve(local_backend_name.size() + 1 + store_name.size());
  id.append(local_backend_name).append("/").append(store_name);
  return id;
}

// The store name inside a "local/<name>" id; nullopt for any other id.
inline std::optional<std::string_view> local_store_name(std::string_view id) {
  if (id.size() <= local_backend_name.size() || !id.starts_with(local_backend_name) ||
      id[local_backend_name.size()] != '/')
    return std::nullopt;
  return id.substr(local_backend_name.size() + 1);
}

}  // namespace sy
