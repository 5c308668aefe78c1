// `switchyard ls` and `rm` as a user runs them, with SWITCHYARD_HOME in a temp folder and a
// stand-in server answering GET /api/engines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/json.hpp>

#include "child_process.h"
#include "gguf_fixtures.h"

using namespace sy::test;
using testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

// Runs the binary with the store in `home` and no user config file (the child inherits the env).
std::pair<int, std::string> run(std::vector<std::string> args, const std::string& home) {
  std::optional<std::string> xdg;
  if (const char* x = std::getenv("XDG_CONFIG_HOME")) xdg = x;
  setenv("SWITCHYARD_HOME", home.c_str(), 1);
  setenv("XDG_CONFIG_HOME", (home + "/no-config").c_str(), 1);
  unsetenv("SWITCHYARD_CONFIG");
  args.insert(args.begin(), switchyard_binary());
  child_process p(args, temp_dir() + "/out.log");
  auto rc = p.wait_exit(std::chrono::seconds(20));
  unsetenv("SWITCHYARD_HOME");
  if (xdg)
    setenv("XDG_CONFIG_HOME", xdg->c_str(), 1);
  else
    unsetenv("XDG_CONFIG_HOME");
  return {rc.value_or(-1), p.output()};
}

// Answers every request on a loopback port with one JSON body; remembers the last request.
class engines_stub {
 public:
  explicit engines_stub(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 8) != 0)
      throw std::runtime_error("engines_stub: cannot listen");
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~engines_stub() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  unsigned short port() const { return port_; }
  std::string last_request() {
    std::lock_guard l(mu_);
    return last_;
  }

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, size_t(n));
      }
      {
        std::lock_guard l(mu_);
        last_ = req;
      }
      auto resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                  std::to_string(body_.size()) + "\r\n\r\n" + body_;
      (void)!::write(c, resp.data(), resp.size());
      ::close(c);
    }
  }
  std::string body_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::string last_;
};

void write_model(const std::string& path, const std::string& basename) {
  auto w = llama_fixture();
  w.set_string("general.basename", basename);
  w.set_string("general.size_label", "0.5B");
  fs::create_directories(fs::path(path).parent_path());
  w.write(path);
}

// A port nothing listens on (bound, then closed).
std::string dead_listen() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}

}  // namespace

TEST(store_cli, ls_lists_store_and_config_paths_as_a_table_and_json) {
  auto home = temp_dir(), dir = temp_dir();
  write_model(home + "/models/alpha.gguf", "Alpha");
  write_model(dir + "/beta.gguf", "Beta");
  write_file(dir + "/broken.gguf", "GGUF");
  write_file(home + "/config.yaml", "models:\n  paths: [" + dir + "]\n");

  auto [rc, out] = run({"ls", "--config", home + "/config.yaml", "--listen", dead_listen()}, home);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, testing::ContainsRegex("NAME +SIZE +QUANT +PARAMS +CONTEXT +LOADED"));
  EXPECT_THAT(out, testing::ContainsRegex("alpha-0.5b:f32 +[0-9.]+ [KM]iB +F32 +0.5B +2048 +-"));
  EXPECT_THAT(out, HasSubstr("beta-0.5b:f32"));
  EXPECT_THAT(out, HasSubstr("broken.gguf"));  // the warning, on stderr

  std::tie(rc, out) = run({"ls", "--json", "--config", home + "/config.yaml", "--listen", dead_listen()}, home);
  ASSERT_EQ(rc, 0) << out;
  auto json_start = out.find("{\"models\"");
  ASSERT_NE(json_start, std::string::npos) << out;
  auto models = boost::json::parse(out.substr(json_start)).at("models").as_array();
  ASSERT_EQ(models.size(), 2u);
  auto& a = models[0].as_object();
  EXPECT_EQ(a.at("name").as_string(), "alpha-0.5b:f32");
  EXPECT_EQ(a.at("id").as_string(), "local/alpha-0.5b:f32");
  EXPECT_EQ(a.at("path").as_string(), home + "/models/alpha.gguf");
  EXPECT_EQ(a.at("size_bytes").to_number<uint64_t>(), fs::file_size(home + "/models/alpha.gguf"));
  EXPECT_TRUE(a.at("in_store").as_bool());
  EXPECT_TRUE(a.at("loaded").is_null());
  EXPECT_FALSE(models[1].as_object().at("in_store").as_bool());
}

TEST(store_cli, ls_shows_what_the_server_has_loaded) {
  auto home = temp_dir();
  write_model(home + "/models/alpha.gguf", "Alpha");
  write_model(home + "/models/beta.gguf", "Beta");
  engines_stub server(R"({"engines":[{"model":"alpha-0.5b:f32","state":"ready"}]})");
  write_file(home + "/config.yaml",
             "server:\n  listen: 127.0.0.1:" + std::to_string(server.port()) + "\n  api_keys: [k-123]\n");
  auto [rc, out] = run({"ls", "--config", home + "/config.yaml"}, home);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, testing::ContainsRegex("alpha-0.5b:f32 .* ready"));
  EXPECT_THAT(out, testing::ContainsRegex("beta-0.5b:f32 .* no"));
  EXPECT_THAT(server.last_request(), HasSubstr("GET /api/engines HTTP/1.1"));
  EXPECT_THAT(server.last_request(), HasSubstr("Authorization: Bearer k-123"));

  // rm refuses a loaded model unless forced.
  std::tie(rc, out) = run({"rm", "alpha-0.5b:f32", "--config", home + "/config.yaml"}, home);
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("is loaded by the running server (ready)"));
  EXPECT_TRUE(fs::exists(home + "/models/alpha.gguf"));
  std::tie(rc, out) = run({"rm", "alpha-0.5b:f32", "--force", "--config", home + "/config.yaml"}, home);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_FALSE(fs::exists(home + "/models/alpha.gguf"));
}

TEST(store_cli, rm_deletes_store_models_and_explains_the_rest) {
  auto home = temp_dir(), dir = temp_dir();
  write_model(home + "/models/alpha.gguf", "Alpha");
  write_model(dir + "/beta.gguf", "Beta");
  write_file(home + "/config.yaml", "models:\n  paths: [" + dir + "/beta.gguf]\n");
  auto cfg = home + "/config.yaml";
  auto listen = dead_listen();

  auto [rc, out] = run({"rm", "alpha-0.5b:f3", "--config", cfg, "--listen", listen}, home);
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("error: no local model named alpha-0.5b:f3; did you mean alpha-0.5b:f32?"));

  std::tie(rc, out) = run({"rm", "beta-0.5b:f32", "--config", cfg, "--listen", listen}, home);
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("models.paths"));
  EXPECT_TRUE(fs::exists(dir + "/beta.gguf"));

  std::tie(rc, out) = run({"rm", "alpha-0.5b:f32", "--config", cfg, "--listen", listen}, home);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("deleted alpha-0.5b:f32"));
  EXPECT_FALSE(fs::exists(home + "/models/alpha.gguf"));
  std::tie(rc, out) = run({"ls", "--json", "--config", cfg, "--listen", listen}, home);
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(out, testing::Not(HasSubstr("alpha")));
}

TEST(store_cli, a_corrupt_manifest_is_a_clear_error) {
  auto home = temp_dir();
  write_file(home + "/manifest.db", std::string(2048, 'z'));
  auto [rc, out] = run({"ls", "--listen", dead_listen()}, home);
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("error: " + home + "/manifest.db"));
  EXPECT_THAT(out, HasSubstr("not a database"));
}
