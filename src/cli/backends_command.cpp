// switchyard backends: every backend the gateway uses — configured, found in the environment
// (cloud keys) or found on this machine (local servers on their default ports) — with where it
// came from and whether its model list answers. Asks the running gateway (GET /api/backends),
// else a private one started for the purpose.
#include <iostream>
#include <thread>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/effective_config.h"
#include "cli/local_server.h"
#include "cli/text_table.h"
#include "core/log.h"
#include "engine/loopback_get.h"

namespace sy::cli {

namespace {

namespace json = boost::json;

struct backends_args {
  config_options config;
  bool json = false;
  int wait_seconds = 10;
};

std::string field(const json::object& o, std::string_view key, std::string fallback = "-") {
  if (auto* v = o.if_contains(key)) {
    if (v->is_string()) return std::string(v->as_string());
    if (v->is_int64()) return std::to_string(v->as_int64());
    if (v->is_uint64()) return std::to_string(v->as_uint64());
  }
  return fallback;
}

// GET /api/backends, again while the first discovery or some listing is still pending (at most
// `wait`).
std::optional<json::array> fetch_backends(const server_endpoint& server, std::chrono::seconds wait,
                                          std::string& error) {
  auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto r = engine::loopback_get(server.port, "/api/backends", std::chrono::seconds(5), server.headers, 4 << 20);
    if (!r.ok()) {
      error = r.status ? "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300) : r.error;
      return std::nullopt;
    }
    json::error_code ec;
    auto v = json::parse(r.body, ec);
    const auto* list = !ec && v.is_object() ? v.as_object().if_contains("backends") : nullptr;
    if (!list || !list->is_array()) {
      error = "malformed answer from /api/backends";
      return std::nullopt;
    }
    const auto* discovering = v.as_object().if_contains("discovering");
    bool pending = discovering && discovering->is_bool() && discovering->as_bool();
    for (const auto& b : list->as_array())
      if (b.is_object() && field(b.as_object(), "listing") == "pending") pending = true;
    if (!pending || std::chrono::steady_clock::now() >= until) return list->as_array();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int list_backends(const backends_args& args) {
  init_logging("warn");
  std::shared_ptr<const config> cfg;
  try {
    cfg = effective_config(args.config, nullptr);
  } catch (const config_error& e) {
    std::cerr << "switchyard backends: " << e.what() << "\n";
    return 2;
  }
  std::unique_ptr<private_server> own;
  std::optional<server_endpoint> server;
  try {
    server = running_or_private_server(*cfg, args.config.file, "backends-gateway", own);
  } catch (const std::exception& e) {
    std::cerr << "switchyard backends: " << e.what() << "\n";
    return 1;
  }
  std::string error;
  auto list = fetch_backends(*server, std::chrono::seconds(args.wait_seconds), error);
  if (!list) {
    std::cerr << "switchyard backends: " << error << "\n";
    return 1;
  }
  if (args.json) {
    std::cout << json::serialize(json::object{{"backends", *list}}) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "TYPE", "SOURCE", "URL", "STATUS", "MODELS"}};
  for (const auto& b : *list) {
    if (!b.is_object()) continue;
    const auto& o = b.as_object();
    auto status = field(o, "listing");
    if (status == "failed") status += ": " + field(o, "error", "");
    if (status == "not_listed") status = "not listed (list_models: false)";
    rows.push_back(
        {field(o, "name"), field(o, "type"), field(o, "source"), field(o, "url"), status, field(o, "models")});
  }
  print_table(std::cout, rows);
  return 0;
}

}  // namespace

void add_backends_command(CLI::App& app) {
  auto args = std::make_shared<backends_args>();
  auto* cmd = app.add_subcommand(
      "backends", "List the backends (configured, from cloud keys in the environment, local servers found) and status");
  cmd->add_option("-c,--config", args->config.file, "YAML config file");
  cmd->add_option("-l,--listen", args->config.listen, "HOST:PORT of the server to ask");
  cmd->add_flag("--json", args->json, "Print the backends as JSON");
  cmd->add_option("--wait", args->wait_seconds, "Seconds to wait for model lists still being fetched")
      ->check(CLI::Range(0, 120));
  cmd->callback([args] {
    if (int rc = list_backends(*args); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sy::cli
