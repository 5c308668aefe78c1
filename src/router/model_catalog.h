#pragma once
// What each backend serves: the models named in config plus those its upstream lists.
// Written by the model refresher, read by every request: readers take an immutable snapshot
// (a shared_ptr copy under a short lock), writers publish a new one.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/config.h"
#include "router/model_capabilities.h"

namespace sy {

enum class listing_state { not_listed, pending, ok, failed };
const char* to_string(listing_state s);  // "not_listed", "pending", "ok", "failed"

struct backend_models {
  std::string backend;
  std::string url;                                         // the listing belongs to this upstream
  std::vector<std::string> configured;                     // from config, always offered
  std::vector<std::string> listed;                         // from the upstream's own list
  std::map<std::string, model_capabilities> capabilities;  // what the list said, by model
  listing_state state = listing_state::pending;
  std::string last_error;  // why the last listing failed
  std::chrono::system_clock::time_point listed_at{};

  bool serves(std::string_view model) const;
  // configured first, then listed, without repeats
  std::vector<std::string> all() const;
  // What the listing said `model` can do (all unknown when it said nothing).
  const model_capabilities& capabilities_of(std::string_view model) const;
};

struct catalog_snapshot {
  std::vector<backend_models> backends;  // "local" (the store), then the configured ones in config order
  const backend_models* find(std::string_view backend) const;
};

class model_catalog {
 public:
  explicit model_catalog(const config& cfg);
  std::shared_ptr<const catalog_snapshot> snapshot() const;
  // Records the result of listing one backend's models. `from_url`: the URL it was listed
  // from; a result for a URL the backend no longer has (a reload changed it while the listing
  // ran) is dropped. Empty: no check.
  void update_listing(const std::string& backend, model_listing listing, std::string_view from_url = {});
  void listing_failed(const std::string& backend, std::string error, std::string_view from_url = {});
  // Follows a new configuration: backends whose URL did not change keep their listing.
  void reconfigure(const config& cfg);

 private:
  // Publishes a copy of the current snapshot with `change` applied to `backend` (when it still
  // has `from_url`, if one is given).
  void update_backend(const std::string& backend, std::string_view from_url,
                      const std::function<void(backend_models&)>& change);

  mutable std::mutex mutex_;
  std::shared_ptr<const catalog_snapshot> current_;
};

}  // namespace sy
