#include "hub/model_pull.h"

#include <sys/statvfs.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/human_units.h"
#include "hub/gguf_catalog.h"
#include "hub/hub_error.h"
#include "hub/hub_file_url.h"
#include "hub/repo_path.h"
#include "store/model_library.h"
#include "store/store_home.h"

namespace fs = std::filesystem;

namespace sy::hub {

std::optional<pull_spec> parse_pull_spec(std::string_view text) {
  for (std::string_view prefix : {"https://huggingface.co/", "huggingface.co/", "hf.co/"})
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  pull_spec s;
  auto colon = text.find(':');
  s.repo = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    s.selector = std::string(text.substr(colon + 1));
    if (s.selector.empty() || s.selector.size() > 1024) return std::nullopt;
  }
  if (!valid_repo_id(s.repo)) return std::nullopt;
  return s;
}

uint64_t free_disk_bytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0)
    throw hub_error(dir + ": cannot read the free disk space: " + std::strerror(errno));
  uint64_t blocks = st.f_bavail, frsize = st.f_frsize;
  return frsize && blocks > UINT64_MAX / frsize ? UINT64_MAX : blocks * frsize;
}

namespace {

struct part_plan {
  repo_file file;
  std::string url, partial, final_path;
};

uint64_t file_size_or_zero(const std::string& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

}  // namespace

pull_result pull_model(std::string_view spec_text, const pull_options& opt) {
  auto spec = parse_pull_spec(spec_text);
  if (!spec)
    throw hub_error("not a model to pull: " + std::string(spec_text.substr(0, 200)) +
                    " (expected owner/repo, owner/repo:QUANT or owner/repo:file.gguf)");
  auto note = [&](const std::string& s) {
    if (opt.note) opt.note(s);
  };
  auto listing = list_repo(opt.hub, spec->repo);
  std::vector<std::string> notes;
  auto entries = group_gguf_files(listing.files, &notes);
  for (const auto& n : notes) note(n);
  const gguf_entry& entry = choose_entry(entries, spec->selector, spec->repo);

  pull_result res;
  res.repo = spec->repo;
  res.revision = listing.revision;
  res.path = entry.path;
  res.quant = entry.quant;
  res.size = entry.size;
  res.sha256 = entry.parts.front().sha256;

  std::string models = store::models_dir(opt.home);
  std::vector<part_plan> plan;
  uint64_t needed = 0;
  for (const auto& f : entry.parts) {
    if (auto why = unsafe_path_reason(f.path))
      throw hub_error("refusing the file name \"" + f.path.substr(0, 200) + "\" from the hub: " + *why);
    auto url = hub_file_url(spec->repo + "/" + f.path, opt.hub.endpoint, listing.revision);
    if (!url) throw hub_error("refusing the file name \"" + f.path.substr(0, 200) + "\" from the hub");
    part_plan p{f, *url, models + "/.partial/" + spec->repo + "/" + f.path + ".part",
                models + "/" + spec->repo + "/" + f.path};
    std::error_code ec;
    if (!fs::exists(p.final_path, ec)) needed += f.size - std::min(f.size, file_size_or_zero(p.partial));
    plan.push_back(std::move(p));
  }
  if (res.sha256.empty()) note("the hub lists no sha256 for " + entry.path + ": only its size is checked");
  note("pulling " + spec->repo + " " + entry.path + " (" + (entry.quant.empty() ? "?" : entry.quant) + ", " +
       human_bytes(entry.size) + (plan.size() > 1 ? ", " + std::to_string(plan.size()) + " parts" : "") + ")");

  // refuse before the first byte when the disk cannot take it
  std::error_code ec;
  fs::create_directories(models, ec);
  uint64_t free = opt.free_space ? opt.free_space(models) : free_disk_bytes(models);
  if (needed > 0 && (free < opt.disk_margin || free - opt.disk_margin < needed))
    throw hub_error("not enough disk space in " + models + ": the download needs " + human_bytes(needed) + " plus " +
                    human_bytes(opt.disk_margin) + " to spare, and " + human_bytes(free) + " is free");

  download_options dopt;
  dopt.hub = opt.hub;
  dopt.jobs = opt.jobs;
  dopt.parallel_threshold = opt.parallel_threshold;
  dopt.cancel = opt.cancel;
  std::vector<std::string> moved_in;  // by this call: removed again if a later part fails
  uint64_t before = 0;
  try {
    for (size_t i = 0; i < plan.size(); ++i) {
      const auto& p = plan[i];
      pull_progress pp;
      pp.file = p.file.path;
      pp.part = unsigned(i + 1);
      pp.parts = unsigned(plan.size());
      dopt.progress = [&](const download_progress& d) {
        if (!opt.progress) return;
        pp.bytes = d;
        pp.bytes.done = before + d.done;
        pp.bytes.total = entry.size;
        opt.progress(pp);
      };
      dopt.on_wait = [&] { note("waiting for another pull of " + p.file.path + " to finish"); };
      auto r = download_file({p.url, p.partial, p.final_path, p.file.size, p.file.sha256}, dopt);
      if (r.resumed_from > 0 && r.transferred) note("resumed " + p.file.path + " from " + human_bytes(r.resumed_from));
      if (r.transferred) {
        moved_in.push_back(p.final_path);
        res.transferred = true;
      }
      res.fetched += r.fetched;
      res.files.push_back(p.final_path);
      before += p.file.size;
    }
  } catch (...) {
    for (const auto& f : moved_in) fs::remove(f, ec);
    throw;
  }
  store::model_library lib({opt.home, {}});
  try {
    res.model = lib.register_file(res.files.front(), "hf:" + spec->repo + "/" + entry.path, res.sha256);
  } catch (...) {
    // not a model that can be served (a vocab-only file, an adapter): it does not stay in the store
    for (const auto& f : moved_in) fs::remove(f, ec);
    throw;
  }
  return res;
}

boost::json::object pull_result_json(const pull_result& r) {
  boost::json::array files;
  for (const auto& f : r.files) files.emplace_back(f);
  return {{"repo", r.repo},       {"revision", r.revision},    {"path", r.path},
          {"quant", r.quant},     {"files", std::move(files)}, {"size", r.size},
          {"fetched", r.fetched}, {"sha256", r.sha256},        {"transferred", r.transferred},
          {"name", r.model.name}};
}

boost::json::object pull_progress_json(const pull_progress& p) {
  return {{"file", p.file},
          {"part", p.part},
          {"parts", p.parts},
          {"done", p.bytes.done},
          {"total", p.bytes.total},
          {"rate", p.bytes.rate},
          {"verifying", p.bytes.verifying}};
}

}  // namespace sy::hub
