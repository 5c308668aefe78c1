#include "hub/model_inspection.h"

#include <filesystem>

#include <boost/json.hpp>

#include "core/local_backend_name.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "hub/gguf_catalog.h"
#include "hub/http_range_source.h"
#include "hub/hub_error.h"
#include "hub/hub_file_url.h"

namespace sy::hub {

inspect_source locate_model(std::string_view spec, const inspect_policy& policy, const hub_options& hub) {
  std::string s(spec);
  std::error_code ec;
  // an existing file, or what can only be a path: opening it says what is wrong ("cannot open ...")
  bool path_like = s.starts_with('/') || s.starts_with("./") || s.starts_with("../");
  if (policy.allow_paths && (path_like || std::filesystem::is_regular_file(s, ec))) return {s, s, ""};
  // a store name has no '/' (after an optional "local/"): anything else is not worth a store lookup
  if (auto name = local_store_name(spec).value_or(spec);
      policy.find_local && !name.empty() && name.find('/') == std::string_view::npos)
    if (auto path = policy.find_local(name)) return {local_model_id(name), *path, ""};
  if (s.starts_with("https://") || s.starts_with("http://")) {
    if (!policy.allow_urls)
      throw hub_error("a URL is not accepted here: name a store model or owner/repo[:quant]", 400);
    return {s, "", s};
  }
  if (spec.ends_with(".gguf")) {
    auto url = hub_file_url(spec, hub.endpoint);
    if (!url)
      throw hub_error(
          "'" + s + "' is not " + (policy.allow_paths ? "a file here, nor " : "") + "owner/repo/path.gguf on the hub",
          400);
    return {s, "", *url};
  }
  // owner/repo[:quant]
  auto colon = spec.find(':');
  auto repo = spec.substr(0, colon);
  auto selector = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  if (!valid_repo_id(repo))
    throw hub_error("'" + s + "' is not a store model, owner/repo[:quant] or owner/repo/path.gguf", 400);
  auto listing = list_repo(hub, repo);
  auto entries = group_gguf_files(listing.files);
  const auto& entry = choose_entry(entries, selector, repo);
  auto url = hub_file_url(std::string(repo) + "/" + entry.path, hub.endpoint, listing.revision);
  if (!url) throw hub_error("the hub lists a file with an unusable name: " + entry.path);
  return {std::string(repo) + "/" + entry.path, "", *url};
}

inspection inspect_model(const inspect_source& src, const gguf::inspect_options& opt, const hub_options& hub) {
  inspection out;
  if (!src.local_path.empty()) {
    gguf::file_source file(src.local_path);
    out.report = gguf::build_report(gguf::read_gguf(file), src.name, opt);
    return out;
  }
  range_source_options ro;
  if (src.url.starts_with(hub.endpoint + "/")) ro.bearer_token = hub.token;  // HF_TOKEN goes to the hub only
  http_range_source remote(src.url, ro);
  out.report = gguf::build_report(gguf::read_gguf(remote), src.name, opt);
  out.remote = true;
  out.requests = remote.requests();
  out.bytes_fetched = remote.bytes_fetched();
  return out;
}

boost::json::object inspection_json(const inspection& i) {
  auto j = boost::json::parse(gguf::format_json(i.report)).as_object();
  if (i.remote) j["fetch"] = {{"requests", i.requests}, {"bytes", i.bytes_fetched}, {"file_size", i.report.file_size}};
  return j;
}

}  // namespace sy::hub
