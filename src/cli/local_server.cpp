#include "cli/local_server.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include "core/config_sources.h"
#include "engine/loopback_get.h"
#include "store/store_home.h"

namespace sy::cli {

namespace {

std::vector<std::string> auth_headers(const config& cfg) {
  if (cfg.server.api_keys.empty()) return {};
  return {"Authorization: Bearer " + cfg.server.api_keys.front()};
}

std::string self_exe() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find this program's path (/proc/self/exe)");
  return std::string(buf, std::size_t(n));
}

}  // namespace

std::optional<server_endpoint> configured_server(const config& cfg) {
  auto [host, port] = split_listen(cfg.server.listen);
  // loopback_get reaches 127.0.0.1: an IPv4 loopback or a wildcard listener is there
  bool reachable = (is_loopback_host(host) && host != "::1") || host == "0.0.0.0" || host == "::";
  if (!reachable || port == 0) return std::nullopt;
  return server_endpoint{port, auth_headers(cfg)};
}

std::optional<server_endpoint> find_running_server(const config& cfg) {
  auto server = configured_server(cfg);
  if (!server) return std::nullopt;
  auto r = engine::loopback_get(server->port, "/health", std::chrono::milliseconds(1000));
  if (!r.ok() || r.body.find("\"status\"") == std::string::npos) return std::nullopt;
  return server;
}

private_server::private_server(const config& cfg, const std::optional<std::string>& config_file, std::string log_path) {
  std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0"};
  if (config_file) args.insert(args.end(), {"--config", *config_file});
  std::ofstream(log_path, std::ios::trunc);  // the port is read from this run's banner only
  auto launched = launcher_.launch({self_exe(), args, log_path, {}});
  if (launched.pid <= 0) throw std::runtime_error("cannot start a gateway: " + launched.error);
  pid_ = launched.pid;
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, listening)) {
      endpoint_ = {static_cast<unsigned short>(std::stoi(m[1].str())), auth_headers(cfg)};
      return;
    }
    if (launcher_.poll_exit(pid_)) {
      pid_ = -1;
      throw std::runtime_error("the gateway exited at start:\n" + engine::tail_of_file(log_path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("the gateway did not start within 30 s:\n" + engine::tail_of_file(log_path));
}

private_server::~private_server() {
  if (pid_ > 0) launcher_.stop(pid_, std::chrono::seconds(10));
}

server_endpoint running_or_private_server(const config& cfg, const std::optional<std::string>& config_file,
                                          std::string_view log_stem, std::unique_ptr<private_server>& own) {
  if (auto endpoint = find_running_server(cfg)) return *endpoint;
  try {
    auto home = store::resolve_home(cfg.models.home, process_env());
    std::error_code ec;
    std::filesystem::create_directories(home + "/logs", ec);
    own = std::make_unique<private_server>(
        cfg, config_file, home + "/logs/" + std::string(log_stem) + "-" + std::to_string(::getpid()) + ".log");
    return own->endpoint();
  } catch (const std::exception& e) {
    throw std::runtime_error("no gateway is running at " + cfg.server.listen + " and starting one failed: " + e.what());
  }
}

}  // namespace sy::cli
