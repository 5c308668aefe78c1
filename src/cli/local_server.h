#pragma once
// How a CLI command reaches a gateway on this machine: the one already running at the configured
// listen address, or a private one it starts for itself (and stops when done).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "engine/process_launcher.h"

namespace sy::cli {

struct server_endpoint {
  unsigned short port = 0;           // on 127.0.0.1
  std::vector<std::string> headers;  // "Authorization: Bearer <key>" when the config has keys
};

// Where a client on this machine reaches the configured gateway: 127.0.0.1 and the port of a
// loopback or wildcard listener with a fixed port, plus its auth header. nullopt when that is not
// possible (another address, or port 0). Connects to nothing.
std::optional<server_endpoint> configured_server(const config& cfg);

// configured_server() when a gateway answers GET /health there within a short timeout.
std::optional<server_endpoint> find_running_server(const config& cfg);

// A gateway of our own: `switchyard serve` on 127.0.0.1:0 with the same config file, as a child
// that dies with this process (and takes its engines with it). Its log goes to `log_path`.
class private_server {
 public:
  // Starts it and waits until it listens; throws std::runtime_error with the log tail if not.
  private_server(const config& cfg, const std::optional<std::string>& config_file, std::string log_path);
  ~private_server();  // SIGTERM, then SIGKILL after a grace period
  private_server(const private_server&) = delete;
  private_server& operator=(const private_server&) = delete;
  const server_endpoint& endpoint() const { return endpoint_; }

 private:
  engine::process_launcher launcher_;
  pid_t pid_ = -1;
  server_endpoint endpoint_;
};

// The running gateway when one answers, else a private one kept in `own` (its log in
// <models home>/logs/<log_stem>-<pid>.log). Throws std::runtime_error naming the listen address
// when neither works.
server_endpoint running_or_private_server(const config& cfg, const std::optional<std::string>& config_file,
                                          std::string_view log_stem, std::unique_ptr<private_server>& own);

}  // namespace sy::cli
