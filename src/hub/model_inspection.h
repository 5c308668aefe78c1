#pragma once
// What `switchyard inspect` and GET /api/models/inspect read: a GGUF header from a local file or
// from the hub over HTTP Range requests, turned into a model report.
//
// A spec is, in this order: a local file (paths allowed), a store model name ("local/" prefix
// optional), an http(s) URL (URLs allowed), "owner/repo/path.gguf", or "owner/repo[:quant]"
// (lists the repository and chooses the file a pull would). The admin API allows neither paths
// nor URLs: a client must not make the gateway read arbitrary files or reach arbitrary hosts.
//
// Blocking (network); any thread.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "gguf/model_report.h"
#include "hub/hub_api.h"

namespace sy::hub {

struct inspect_source {
  std::string name;        // what the report is titled with
  std::string local_path;  // set for a local file or a store model
  std::string url;         // set for a remote file
};

struct inspect_policy {
  bool allow_paths = false;  // local files by path
  bool allow_urls = false;   // any http(s) URL
  // A store model's file by name; nullopt when there is no such model. Asked only for specs
  // that can be a store name (no '/' after an optional "local/").
  std::function<std::optional<std::string>(std::string_view name)> find_local;
};

// Throws hub_error (not found, not allowed, hub failures).
inspect_source locate_model(std::string_view spec, const inspect_policy& policy, const hub_options& hub);

struct inspection {
  gguf::model_report report;
  bool remote = false;
  uint64_t requests = 0, bytes_fetched = 0;  // for a remote file
};

// Reads the header and builds the report. Throws hub_error and gguf::gguf_error.
inspection inspect_model(const inspect_source& src, const gguf::inspect_options& opt, const hub_options& hub);

// The report JSON plus, for a remote file, "fetch": {"requests","bytes","file_size"}.
boost::json::object inspection_json(const inspection& i);

}  // namespace sy::hub
