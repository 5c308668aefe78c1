#include "store/gguf_scan.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <limits>

#include "store/model_naming.h"
#include "store/store_error.h"

namespace fs = std::filesystem;

namespace sy::store {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool is_gguf_name(const fs::path& p) {
  return lower(p.extension().string()) == ".gguf";
}
bool is_mmproj_name(const fs::path& p) {
  return lower(p.filename().string()).find("mmproj") != std::string::npos;
}

// Size and mtime of every part; throws store_error when one is missing.
gguf_group stat_group(std::vector<std::string> files) {
  gguf_group g;
  g.path = files.front();
  g.mtime_ns = std::numeric_limits<std::int64_t>::min();
  for (const auto& f : files) {
    std::error_code ec;
    auto size = fs::file_size(f, ec);
    if (ec) throw store_error(store_errc::io, f + ": " + ec.message());
    auto mtime = fs::last_write_time(f, ec);
    if (ec) throw store_error(store_errc::io, f + ": " + ec.message());
    g.size_bytes += size;
    auto unix = std::chrono::file_clock::to_sys(mtime).time_since_epoch();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(unix).count();
    g.mtime_ns = std::max<std::int64_t>(g.mtime_ns, ns);
  }
  g.files = std::move(files);
  return g;
}

// A first part or a single file -> its group; throws for a missing part.
gguf_group group_from_first(const std::string& path) {
  auto split = parse_split_name(path);
  if (!split) return stat_group({path});
  std::vector<std::string> files;
  for (int i = 1; i <= split->count; ++i) files.push_back(split_part_path(split->prefix, i, split->count));
  return stat_group(std::move(files));
}

}  // namespace

std::string normal_path(const std::string& path) {
  std::error_code ec;
  auto abs = fs::absolute(path, ec);
  return (ec ? fs::path(path) : abs).lexically_normal().string();
}

gguf_group group_of(const std::string& path) {
  auto p = normal_path(path);
  if (auto split = parse_split_name(p)) p = split_part_path(split->prefix, 1, split->count);
  return group_from_first(p);
}

std::vector<gguf_group> scan_models(const std::string& root, std::vector<std::string>& warnings) {
  std::vector<std::string> firsts;
  // Parts seen whose first part was not: a split missing its first file.
  std::vector<std::string> orphans;
  auto consider = [&](const fs::path& p) {
    if (!is_gguf_name(p) || is_mmproj_name(p)) return;
    auto s = p.string();
    auto split = parse_split_name(s);
    if (!split || split->part == 1)
      firsts.push_back(s);
    else
      orphans.push_back(split_part_path(split->prefix, 1, split->count));
  };

  auto top = normal_path(root);
  std::error_code ec;
  auto st = fs::status(top, ec);
  if (ec || !fs::exists(st)) {
    warnings.push_back(top + ": not found");
    return {};
  }
  if (fs::is_regular_file(st)) {
    if (!is_gguf_name(top)) warnings.push_back(top + ": not a .gguf file");
    consider(top);
  } else if (fs::is_directory(st)) {
    fs::recursive_directory_iterator it(top, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) warnings.push_back(top + ": " + ec.message());
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code fec;
      if (it->is_regular_file(fec)) consider(it->path());
    }
    if (ec) warnings.push_back(top + ": " + ec.message() + " (scan stopped)");
  }

  std::sort(firsts.begin(), firsts.end());
  firsts.erase(std::unique(firsts.begin(), firsts.end()), firsts.end());
  std::vector<gguf_group> out;
  for (const auto& f : firsts) {
    try {
      out.push_back(group_from_first(f));
    } catch (const store_error& e) {
      warnings.push_back(std::string("skipped a split model: ") + e.what());
    }
  }
  std::sort(orphans.begin(), orphans.end());
  orphans.erase(std::unique(orphans.begin(), orphans.end()), orphans.end());
  for (const auto& o : orphans)
    if (!std::binary_search(firsts.begin(), firsts.end(), o))
      warnings.push_back("skipped a split model: " + o + ": first part missing");
  return out;
}

}  // namespace sy::store
