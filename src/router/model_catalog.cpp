#include "router/model_catalog.h"
#include "core/local_backend_name.h"

#include <algorithm>

namespace sy {

const char* to_string(listing_state s) {
  switch (s) {
    case listing_state::not_listed: return "not_listed";
    case listing_state::pending: return "pending";
    case listing_state::ok: return "ok";
    case listing_state::failed: return "failed";
  }
  return "pending";
}

bool backend_models::serves(std::string_view model) const {
  return std::find(configured.begin(), configured.end(), model) != configured.end() ||
         std::find(listed.begin(), listed.end(), model) != listed.end();
}

std::vector<std::string> backend_models::all() const {
  std::vector<std::string> out = configured;
  for (const auto& m : listed)
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  return out;
}

const model_capabilities& backend_models::capabilities_of(std::string_view model) const {
  static const model_capabilities unknown;
  auto it = capabilities.find(std::string(model));
  return it == capabilities.end() ? unknown : it->second;
}

const backend_models* catalog_snapshot::find(std::string_view backend) const {
  for (const auto& b : backends)
    if (b.backend == backend) return &b;
  return nullptr;
}

namespace {

std::shared_ptr<const catalog_snapshot> snapshot_for(const config& cfg, const catalog_snapshot* previous) {
  auto snap = std::make_shared<catalog_snapshot>();
  // the built-in local backend comes first: a bare name that is also a local model runs here
  backend_models local;
  local.backend = local_backend_name;
  local.url = local_backend_config().url;
  if (const auto* old = previous ? previous->find(local_backend_name) : nullptr) local = *old;
  snap->backends.push_back(std::move(local));
  for (const auto& b : cfg.backends) {
    backend_models m;
    m.backend = b.name;
    m.url = b.url;
    m.configured = b.models;
    m.state = b.list_models ? listing_state::pending : listing_state::not_listed;
    if (const auto* old = previous ? previous->find(b.name) : nullptr; old && old->url == b.url && b.list_models) {
      m.listed = old->listed;
      m.capabilities = old->capabilities;
      m.state = old->state;
      m.last_error = old->last_error;
      m.listed_at = old->listed_at;
    }
    snap->backends.push_back(std::move(m));
  }
  return snap;
}

}  // namespace

model_catalog::model_catalog(const config& cfg) : current_(snapshot_for(cfg, nullptr)) {}

void model_catalog::reconfigure(const config& cfg) {
  std::lock_guard lock(mutex_);
  current_ = snapshot_for(cfg, current_.get());
}

std::shared_ptr<const catalog_snapshot> model_catalog::snapshot() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void model_catalog::update_backend(const std::string& backend, std::string_view from_url,
                                   const std::function<void(backend_models&)>& change) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<catalog_snapshot>(*current_);
  for (auto& b : next->backends)
    if (b.backend == backend && (from_url.empty() || b.url == from_url)) change(b);
  current_ = std::move(next);
}

void model_catalog::update_listing(const std::string& backend, model_listing listing, std::string_view from_url) {
  update_backend(backend, from_url, [&](backend_models& b) {
    b.listed = std::move(listing.ids);
    b.capabilities = std::move(listing.capabilities);
    b.state = listing_state::ok;
    b.last_error.clear();
    b.listed_at = std::chrono::system_clock::now();
  });
}

void model_catalog::listing_failed(const std::string& backend, std::string error, std::string_view from_url) {
  update_backend(backend, from_url, [&](backend_models& b) {
    // keep the last good list: a blip should not make models vanish
    if (b.state != listing_state::ok) b.state = listing_state::failed;
    b.last_error = std::move(error);
  });
}

}  // namespace sy
