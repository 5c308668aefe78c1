#include "store/model_library.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "gguf/gguf_error.h"
#include "store/gguf_scan.h"
#include "store/model_header.h"
#include "store/model_naming.h"
#include "store/store_error.h"
#include "store/store_home.h"

namespace fs = std::filesystem;

namespace sy::store {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool same_files(const manifest_entry& e, const gguf_group& g) {
  return e.model.files == g.files && e.model.size_bytes == g.size_bytes && e.mtime_ns == g.mtime_ns;
}

// A header read for a group: the header, or why it could not be read.
struct header_result {
  std::optional<model_header> header;
  std::string error;
};

header_result try_read_header(const gguf_group& g) {
  try {
    return {read_model_header(g.files), ""};
  } catch (const gguf::gguf_error& e) {
    return {std::nullopt, e.what()};
  }
}

// Names taken in the manifest, for unique_model_name().
std::set<std::string> names_of(const std::vector<manifest_entry>& rows) {
  std::set<std::string> out;
  for (const auto& r : rows) out.insert(r.model.name);
  return out;
}

manifest_entry make_entry(const gguf_group& g, const model_header& h) {
  manifest_entry e;
  e.model.path = g.path;
  e.model.files = g.files;
  e.model.size_bytes = g.size_bytes;
  e.mtime_ns = g.mtime_ns;
  apply_header(h, e.model);
  return e;
}

}  // namespace

model_library::model_library(library_options opts) : opts_(std::move(opts)) {
  if (opts_.home.empty()) throw store_error(store_errc::io, "the model store home is empty");
  std::error_code ec;
  fs::create_directories(store::models_dir(opts_.home), ec);
  if (ec) throw store_error(store_errc::io, store::models_dir(opts_.home) + ": cannot create: " + ec.message());
  models_dir_ = normal_path(store::models_dir(opts_.home));
  manifest_ = std::make_unique<model_manifest>(manifest_path(opts_.home));
}

std::string model_library::models_dir() const {
  return models_dir_;
}

bool model_library::in_store_path(const std::string& path) const {
  return normal_path(path).starts_with(models_dir_ + "/");
}

std::vector<std::string> model_library::refresh() {
  std::vector<std::string> warnings;
  // Everything on disk: the store first, then models.paths (a path seen twice counts once).
  std::vector<gguf_group> groups = scan_models(models_dir_, warnings);
  for (const auto& p : opts_.paths)
    for (auto& g : scan_models(p, warnings)) groups.push_back(std::move(g));
  std::sort(groups.begin(), groups.end(), [](auto& a, auto& b) { return a.path < b.path; });
  groups.erase(std::unique(groups.begin(), groups.end(), [](auto& a, auto& b) { return a.path == b.path; }),
               groups.end());

  // Headers of new or changed files (models and skipped files alike), read before the write
  // transaction so that it stays short.
  auto skipped_now = [&] {
    std::map<std::string, skipped_file> out;
    for (auto& f : manifest_->skipped()) out.emplace(f.path, std::move(f));
    return out;
  };
  auto unchanged_skip = [](const std::map<std::string, skipped_file>& skipped, const gguf_group& g) {
    auto it = skipped.find(g.path);
    return it != skipped.end() && it->second.size_bytes == g.size_bytes && it->second.mtime_ns == g.mtime_ns
               ? &it->second
               : nullptr;
  };
  std::map<std::string, header_result> headers;
  {
    std::map<std::string, manifest_entry> rows;
    for (auto& e : manifest_->list()) rows.emplace(e.model.path, std::move(e));
    auto skipped = skipped_now();
    for (const auto& g : groups) {
      auto it = rows.find(g.path);
      if ((it == rows.end() || !same_files(it->second, g)) && !unchanged_skip(skipped, g))
        headers.emplace(g.path, try_read_header(g));
    }
  }

  manifest_->in_transaction([&] {
    // Read again: another process may have written meanwhile.
    std::map<std::string, manifest_entry> rows;
    for (auto& e : manifest_->list()) rows.emplace(e.model.path, std::move(e));
    auto skipped = skipped_now();
    std::set<std::string> on_disk;
    for (const auto& g : groups) on_disk.insert(g.path);
    for (const auto& [path, e] : rows) {
      if (on_disk.contains(path)) continue;
      if (e.model.in_store) warnings.push_back(e.model.name + ": " + path + " is gone; forgotten");
      manifest_->remove(e.model.name);
    }
    for (const auto& [path, f] : skipped)
      if (!on_disk.contains(path)) manifest_->forget_skipped(path);
    auto taken = names_of(manifest_->list());

    for (const auto& g : groups) {
      auto old = rows.find(g.path);
      bool known = old != rows.end();
      bool in_store = in_store_path(g.path);
      if (known && same_files(old->second, g)) {
        if (old->second.model.in_store != in_store) {
          auto e = old->second;
          e.model.in_store = in_store;
          manifest_->put(e);
        }
        continue;
      }
      if (auto* skip = unchanged_skip(skipped, g)) {
        if (skip->bad) warnings.push_back("skipped " + g.path + ": " + skip->reason);
        continue;
      }
      auto h = headers.find(g.path);
      if (h == headers.end()) h = headers.emplace(g.path, try_read_header(g)).first;
      std::string why =
          !h->second.header ? "not a readable GGUF file: " + h->second.error : not_a_model_reason(*h->second.header);
      if (!why.empty()) {
        bool bad = !h->second.header;
        if (bad)
          warnings.push_back("skipped " + g.path + ": " + why);
        else
          spdlog::debug("store: skipped {}: {}", g.path, why);
        manifest_->put_skipped({g.path, g.size_bytes, g.mtime_ns, why, bad});
        if (known) manifest_->remove(old->second.model.name);
        continue;
      }
      manifest_->forget_skipped(g.path);
      auto e = make_entry(g, *h->second.header);
      e.model.in_store = in_store;
      if (known) {  // changed on disk: same name and origin, the old checksum no longer holds
        e.model.name = old->second.model.name;
        e.model.source = old->second.model.source;
        e.model.added = old->second.model.added;
      } else {
        e.model.name = unique_model_name(base_model_name(*h->second.header, g.path),
                                         [&](const std::string& n) { return taken.contains(n); });
        e.model.source = in_store ? "store" : "path";
        e.model.added = unix_now();
        taken.insert(e.model.name);
      }
      manifest_->put(e);
    }
  });
  for (const auto& w : warnings) spdlog::warn("store: {}", w);
  return warnings;
}

std::vector<local_model> model_library::list() const {
  std::vector<local_model> out;
  for (auto& e : manifest_->list()) out.push_back(std::move(e.model));
  return out;
}

std::optional<local_model> model_library::find(std::string_view name) const {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  auto e = manifest_->find(lower);
  if (!e) return std::nullopt;
  return std::move(e->model);
}

local_model model_library::register_file(const std::string& path, const std::string& source,
                                         const std::string& sha256) {
  auto g = group_of(path);
  auto h = read_model_header(g.files);
  if (auto why = not_a_model_reason(h); !why.empty()) throw store_error(store_errc::not_a_model, g.path + ": " + why);
  auto e = make_entry(g, h);
  e.model.in_store = in_store_path(g.path);
  e.model.source = source;
  e.model.sha256 = sha256;
  manifest_->in_transaction([&] {
    manifest_->forget_skipped(g.path);
    if (auto old = manifest_->find_path(g.path)) {
      e.model.name = old->model.name;
      e.model.added = old->model.added;
    } else {
      auto taken = names_of(manifest_->list());
      e.model.name =
          unique_model_name(base_model_name(h, g.path), [&](const std::string& n) { return taken.contains(n); });
      e.model.added = unix_now();
    }
    manifest_->put(e);
  });
  return e.model;
}

local_model model_library::remove(std::string_view name) {
  auto m = find(name);
  if (!m) throw store_error(store_errc::not_found, "no local model named " + std::string(name));
  if (!m->in_store)
    throw store_error(store_errc::registered_in_place,
                      m->name + " is registered in place from " + m->path +
                          " (models.paths); its files are not deleted: remove the path from models.paths instead");
  for (const auto& f : m->files) {
    std::error_code ec;
    fs::remove(f, ec);
    if (ec) throw store_error(store_errc::io, f + ": cannot delete: " + ec.message());
    // Folders left empty under models/ (a pull's owner/repo/ folders) go too.
    for (auto dir = fs::path(f).parent_path(); dir.string().starts_with(models_dir_ + "/"); dir = dir.parent_path()) {
      if (!fs::is_empty(dir, ec) || ec || !fs::remove(dir, ec)) break;
    }
  }
  manifest_->remove(m->name);
  return *m;
}

}  // namespace sy::store
