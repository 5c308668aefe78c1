// switchyard inspect PATH | owner/repo/file.gguf | URL: what a GGUF model is and what it needs, read
// from its header only (over HTTP Range requests for a remote file).
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"
#include "hub/http_range_source.h"
#include "hub/hub_error.h"
#include "hub/hub_file_url.h"

namespace sy::cli {
namespace {

struct inspect_args {
  std::string path;
  bool json = false;
  std::vector<uint64_t> contexts;
  std::string cache_type = "f16";
  uint64_t parallel = 1;
};

// The URL to read when `path` names a remote file: an http(s) URL, or owner/repo/...gguf that is
// not a local file. nullopt: a local path.
std::optional<std::string> remote_url(const std::string& path) {
  if (path.starts_with("https://") || path.starts_with("http://")) return path;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return std::nullopt;
  return hub::hub_file_url(path, hub::hub_endpoint());
}

std::string fetch_summary(const hub::http_range_source& src) {
  double share = src.size() ? 100.0 * double(src.bytes_fetched()) / double(src.size()) : 0;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.2f", share);
  return "fetched " + std::to_string(src.bytes_fetched()) + " of " + std::to_string(src.size()) + " bytes (" + pct +
         "%) in " + std::to_string(src.requests()) + " HTTP requests\n";
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<inspect_args>();
  auto* cmd =
      app.add_subcommand("inspect", "Show what a GGUF model is and the memory it needs (reads the header only)");
  cmd->add_option("path", args->path,
                  "A local .gguf file, owner/repo/file.gguf on the hub ($HF_ENDPOINT, $HF_TOKEN), or an https URL")
      ->required();
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->add_option("--ctx", args->contexts, "Context size per slot to size the KV cache for (repeatable)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 24));
  cmd->add_option("--cache-type", args->cache_type, "KV cache type")
      ->check(CLI::IsMember({"f16", "q8_0", "q4_0", "f32", "bf16"}));
  cmd->add_option("--parallel", args->parallel, "Parallel slots sharing the cache")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1024}));
  cmd->callback([args] {
    try {
      std::unique_ptr<gguf::byte_source> src;
      hub::http_range_source* remote = nullptr;
      std::string name = args->path;
      if (auto url = remote_url(args->path)) {
        hub::range_source_options ro;
        if (const char* t = std::getenv("HF_TOKEN"); t && *t) ro.bearer_token = t;
        name = *url;
        auto r = std::make_unique<hub::http_range_source>(*url, ro);
        remote = r.get();
        src = std::move(r);
      } else {
        src = std::make_unique<gguf::file_source>(args->path);
      }
      auto file = gguf::read_gguf(*src);
      gguf::inspect_options opt;
      opt.contexts = args->contexts;
      opt.cache_type = args->cache_type;
      opt.parallel = args->parallel;
      auto report = gguf::build_report(file, name, opt);
      if (!args->json) {
        std::cout << gguf::format_text(report);
        if (remote) std::cout << "\n" << fetch_summary(*remote);
      } else if (!remote) {
        std::cout << gguf::format_json(report) << "\n";
      } else {
        auto j = boost::json::parse(gguf::format_json(report)).as_object();
        j["fetch"] = {
            {"requests", remote->requests()}, {"bytes", remote->bytes_fetched()}, {"file_size", remote->size()}};
        std::cout << boost::json::serialize(j) << "\n";
      }
    } catch (const hub::hub_error& e) {
      std::cerr << "error: " << args->path << ": " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    } catch (const gguf::gguf_error& e) {
      std::cerr << "error: " << args->path << ": " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    } catch (const std::invalid_argument& e) {
      std::cerr << "error: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace sy::cli
