// One llama-server child per model: start on a generated fixture, serve, crash, stop. Tests
// that need the pinned llama-server skip when it is not built.
#include "engine/engine_instance.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "child_process.h"
#include "core/config_sources.h"
#include "core/llama_paths.h"
#include "engine/loopback_get.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf_fixtures.h"
#include "http_client.h"

using namespace std::chrono_literals;
using sy::engine::engine_instance;
using sy::engine::engine_settings;
using sy::engine::engine_state;
using sy::engine::process_launcher;
using testing::HasSubstr;

namespace {

std::string llama_server() {
  auto bins = sy::find_llama_binaries(sy::process_env());
  return bins.server_exists ? bins.server : "";
}

// A tiny text-safe llama model (~2 MB with the real 32k vocabulary), written once per test.
std::string fixture_model(const std::string& dir) {
  sy::test::fixture_shape s;
  s.n_layer = 2, s.n_embd = 64, s.n_head = 4, s.n_head_kv = 2, s.n_ff = 128, s.text_safe = true;
  auto path = dir + "/tiny.gguf";
  sy::test::llama_fixture(s).write(path, sy::test::gguf_writer::fill::random);
  return path;
}

engine_settings small_settings() {
  engine_settings s;
  s.context_size = 256;
  s.threads = 1;  // the test machine is busy: spinning thread barriers would dominate
  s.batch_size = 256;
  s.warmup = false;
  s.start_timeout = 60s;
  return s;
}

bool process_gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::vector<std::pair<std::string, std::string>> auth(const engine_instance& e) {
  return {{"Authorization", "Bearer " + e.api_key()}};
}

double seconds(sy::duration d) {
  return double(d.count()) / 1000.0;
}

}  // namespace

TEST(text_safe_fixture, ties_the_embedding_and_zeroes_byte_token_rows) {
  sy::test::fixture_shape s;
  s.n_layer = 1, s.n_embd = 32, s.n_head = 2, s.n_head_kv = 1, s.n_ff = 64, s.text_safe = true;
  auto bytes = sy::test::llama_fixture(s).bytes(sy::test::gguf_writer::fill::random);
  sy::gguf::memory_source src(std::as_bytes(std::span(bytes.data(), bytes.size())));
  auto f = sy::gguf::read_gguf(src);
  const sy::gguf::tensor_info* embd = nullptr;
  for (auto& t : f.tensors) {
    EXPECT_NE(t.name, "output.weight");
    if (t.name == "token_embd.weight") embd = &t;
  }
  ASSERT_NE(embd, nullptr);
  std::vector<uint64_t> byte_rows;
  for (auto& [k, v] : f.metadata)
    if (k == "tokenizer.ggml.token_type")
      for (size_t i = 0; i < v.size(); ++i)
        if (v.as_i64(i) == 6) byte_rows.push_back(i);
  ASSERT_FALSE(byte_rows.empty());
  auto row = [&](uint64_t r) {
    return std::string_view(bytes).substr(f.data_offset + embd->offset + r * 32 * 4, 32 * 4);
  };
  for (auto r : byte_rows) EXPECT_EQ(row(r), std::string(32 * 4, '\0')) << "row " << r;
  EXPECT_NE(row(byte_rows.back() + 1), std::string(32 * 4, '\0'));  // other rows stay random
}

TEST(engine_settings, become_llama_server_flags) {
  engine_settings s;
  s.context_size = 512, s.parallel = 2, s.threads = 3, s.gpu_layers = 99, s.batch_size = 128;
  s.flash_attn = sy::engine::flash_attention::on, s.cache_type_k = "q8_0", s.cache_type_v = "q8_0";
  s.embeddings = true, s.pooling = "mean", s.warmup = false, s.extra_args = {"--seed", "7"};
  auto a = sy::engine::llama_server_args(s, {.model_path = "/m.gguf", .alias = "tiny:f32", .port = 4242});
  std::string joined;
  for (auto& x : a) joined += x + " ";
  EXPECT_EQ(joined,
            "-m /m.gguf --host 127.0.0.1 --port 4242 --alias tiny:f32 -c 512 -np 2 -t 3 -ngl 99 -fa on -ctk q8_0 "
            "-ctv q8_0 -b 128 --embeddings --pooling mean --no-warmup --no-webui --cors-origins localhost "
            "--no-cors-credentials --seed 7 ");
  auto d = sy::engine::llama_server_args({}, {.model_path = "/m.gguf", .port = 1});
  EXPECT_THAT(d, testing::Not(testing::Contains("-ngl")));  // unset = llama.cpp's auto fit
  EXPECT_THAT(d, testing::Not(testing::Contains("-t")));
}

// Serves one connection on a loopback port with a canned reply (or, when empty, stalls 300 ms).
class one_shot_server {
 public:
  explicit one_shot_server(std::string reply) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 1);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    request_ = std::async(std::launch::async, [fd = fd_, reply = std::move(reply)] {
      int c = ::accept(fd, nullptr, nullptr);
      char buf[4096];
      auto n = ::recv(c, buf, sizeof buf, 0);
      if (!reply.empty()) [[maybe_unused]]
        auto w = ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      else
        std::this_thread::sleep_for(300ms);
      ::close(c);
      return std::string(buf, n > 0 ? std::size_t(n) : 0);
    });
  }
  ~one_shot_server() {
    if (request_.valid()) request_.wait();
    ::close(fd_);
  }
  unsigned short port() const { return port_; }
  std::string request() { return request_.get(); }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
  std::future<std::string> request_;
};

TEST(loopback_get, reads_a_chunked_reply_and_sends_headers) {
  one_shot_server server(
      "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
      "7\r\n{\"a\":1,\r\n5\r\n\"b\":2\r\n1\r\n}\r\n0\r\n\r\n");
  auto r = sy::engine::loopback_get(server.port(), "/health", 2s, {"Authorization: Bearer k"});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"a":1,"b":2})");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(server.request(), HasSubstr("GET /health HTTP/1.1\r\n"));
}

TEST(loopback_get, gives_up_on_a_silent_server) {
  one_shot_server server("");
  auto t0 = std::chrono::steady_clock::now();
  auto r = sy::engine::loopback_get(server.port(), "/health", 100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 290ms);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "timed out reading");
}

TEST(loopback_get, reports_a_refused_connection) {
  // a port that was just free: nothing listens there
  auto r = sy::engine::loopback_get(1, "/health", 500ms);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

TEST(engine_instance, a_child_that_never_gets_healthy_times_out_and_is_stopped) {
  const auto dir = sy::test::temp_dir();
  auto fake = dir + "/fake-server";
  std::ofstream(fake) << "#!/bin/sh\necho pretending to load\nexec sleep 100\n";
  ::chmod(fake.c_str(), 0755);
  process_launcher launcher;
  auto s = small_settings();
  s.start_timeout = 300ms;
  engine_instance e(launcher, fake, dir + "/x.gguf", "x", s, dir + "/engine.log");
  EXPECT_FALSE(e.start());
  EXPECT_EQ(e.state(), engine_state::failed);
  EXPECT_THAT(e.last_error(), HasSubstr("did not become healthy within 300ms"));
  EXPECT_THAT(e.last_error(), HasSubstr("pretending to load"));
  EXPECT_EQ(e.pid(), -1);
  EXPECT_TRUE(launcher.running().empty());
}

TEST(engine_instance, starts_a_fixture_serves_it_and_stops) {
  auto server = llama_server();
  if (server.empty()) GTEST_SKIP() << "llama-server not built";
  const auto dir = sy::test::temp_dir();
  process_launcher launcher;
  engine_instance e(launcher, server, fixture_model(dir), "tiny:f32", small_settings(), dir + "/engine.log");
  EXPECT_EQ(e.state(), engine_state::stopped);
  EXPECT_EQ(e.exited(), std::nullopt);

  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(e.start()) << e.last_error();
  auto cold = std::chrono::duration_cast<sy::duration>(std::chrono::steady_clock::now() - t0);
  std::cerr << "[engine] cold start of the fixture: " << seconds(cold) << " s (launch to ready "
            << seconds(e.status().load_time) << " s)\n";
  EXPECT_EQ(e.state(), engine_state::ready);
  EXPECT_GT(e.pid(), 0);
  EXPECT_GT(e.port(), 0);
  EXPECT_EQ(e.exited(), std::nullopt);
  EXPECT_TRUE(e.start());  // already ready: no second child
  EXPECT_EQ(launcher.running().size(), 1u);

  auto models = sy::test::http_request(e.port(), "GET", "/v1/models", "", auth(e));
  EXPECT_EQ(models.status, 200u) << models.body;
  EXPECT_THAT(models.body, HasSubstr("tiny:f32"));

  std::string chat = R"({"model":"tiny:f32","max_tokens":4,"messages":[{"role":"user","content":"Hello"}]})";
  auto t1 = std::chrono::steady_clock::now();
  auto reply =
      sy::test::http_request(e.port(), "POST", "/v1/chat/completions", chat,
                             {{"Authorization", "Bearer " + e.api_key()}, {"Content-Type", "application/json"}});
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("\"choices\""));
  std::cerr << "[engine] chat with max_tokens 4: "
            << seconds(std::chrono::duration_cast<sy::duration>(std::chrono::steady_clock::now() - t1)) << " s\n";

  // the key keeps other local clients out
  auto stranger =
      sy::test::http_request(e.port(), "POST", "/v1/chat/completions", chat, {{"Content-Type", "application/json"}});
  EXPECT_EQ(stranger.status, 401u);

  pid_t pid = e.pid();
  e.stop(5s);
  EXPECT_EQ(e.state(), engine_state::stopped);
  EXPECT_EQ(e.pid(), -1);
  EXPECT_EQ(e.port(), 0);
  EXPECT_TRUE(process_gone(pid));
  EXPECT_TRUE(e.last_error().empty());
  EXPECT_TRUE(e.exited().has_value());
  EXPECT_TRUE(launcher.running().empty());
}

TEST(engine_instance, a_missing_model_fails_with_the_log_tail) {
  auto server = llama_server();
  if (server.empty()) GTEST_SKIP() << "llama-server not built";
  const auto dir = sy::test::temp_dir();
  process_launcher launcher;
  engine_instance e(launcher, server, dir + "/no-such-model.gguf", "missing", small_settings(), dir + "/engine.log");
  EXPECT_FALSE(e.start());
  EXPECT_EQ(e.state(), engine_state::failed);
  auto s = e.status();
  EXPECT_EQ(s.exit_status, 1);
  EXPECT_THAT(s.last_error, HasSubstr("exited with status 1 while loading"));
  EXPECT_THAT(s.last_error, HasSubstr("failed to open GGUF file"));
  EXPECT_THAT(s.last_error, HasSubstr("no-such-model.gguf"));
  EXPECT_EQ(e.pid(), -1);

  // the tail is this child's only: a second failed start does not repeat the first one's log
  EXPECT_FALSE(e.start());
  auto again = e.last_error();
  EXPECT_THAT(again, HasSubstr("failed to open GGUF file"));
  auto loading = again.find("loading model '");  // logged once per child
  ASSERT_NE(loading, std::string::npos) << again;
  EXPECT_EQ(loading, again.rfind("loading model '")) << again;
}

TEST(engine_instance, a_killed_child_is_detected_as_failed) {
  auto server = llama_server();
  if (server.empty()) GTEST_SKIP() << "llama-server not built";
  const auto dir = sy::test::temp_dir();
  process_launcher launcher;
  engine_instance e(launcher, server, fixture_model(dir), "tiny:f32", small_settings(), dir + "/engine.log");
  ASSERT_TRUE(e.start()) << e.last_error();
  pid_t pid = e.pid();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);

  std::optional<int> status;
  for (int i = 0; i < 200 && !status; ++i) {
    status = e.exited();
    if (!status) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(status, 128 + SIGKILL);
  EXPECT_EQ(e.state(), engine_state::failed);
  EXPECT_EQ(e.status().exit_status, 128 + SIGKILL);
  EXPECT_THAT(e.last_error(), HasSubstr("was killed by signal 9 (SIGKILL)"));
  // the log tail (a line written before the child answers health: "listening" may come after)
  EXPECT_THAT(e.last_error(), HasSubstr("load_model: loading model"));
  EXPECT_EQ(e.pid(), -1);
  EXPECT_TRUE(process_gone(pid));
  e.stop();  // nothing left to stop: stays failed
  EXPECT_EQ(e.state(), engine_state::failed);

  ASSERT_TRUE(e.start()) << e.last_error();  // a restart is a new child
  EXPECT_NE(e.pid(), pid);
  EXPECT_TRUE(e.last_error().empty());
}

TEST(engine_instance, an_embedding_model_serves_embeddings) {
  auto server = llama_server();
  if (server.empty()) GTEST_SKIP() << "llama-server not built";
  const auto dir = sy::test::temp_dir();
  process_launcher launcher;
  auto s = small_settings();
  s.embeddings = true;
  s.pooling = "mean";
  engine_instance e(launcher, server, fixture_model(dir), "tiny-embed", s, dir + "/engine.log");
  ASSERT_TRUE(e.start()) << e.last_error();
  auto r = sy::test::http_request(e.port(), "POST", "/v1/embeddings", R"({"model":"tiny-embed","input":"hello"})",
                                  {{"Authorization", "Bearer " + e.api_key()}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("\"embedding\""));
}

TEST(engine_instance, stop_during_start_gives_up_the_start) {
  const auto dir = sy::test::temp_dir();
  auto fake = dir + "/fake-server";
  std::ofstream(fake) << "#!/bin/sh\nexec sleep 100\n";
  ::chmod(fake.c_str(), 0755);
  process_launcher launcher;
  engine_instance e(launcher, fake, dir + "/x.gguf", "x", small_settings(), dir + "/engine.log");
  std::thread starter([&] { EXPECT_FALSE(e.start()); });
  for (int i = 0; i < 200 && e.pid() <= 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(e.state(), engine_state::starting);
  auto t0 = std::chrono::steady_clock::now();
  e.stop(1s);
  starter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(e.state(), engine_state::stopped);
  EXPECT_TRUE(launcher.running().empty());
}

TEST(engine_instance, retries_once_when_the_port_was_taken) {
  auto server = llama_server();
  if (server.empty()) GTEST_SKIP() << "llama-server not built";
  const auto dir = sy::test::temp_dir();
  // the first launch behaves like llama-server losing its port; the second is the real thing
  auto wrapper = dir + "/clashing-server";
  std::ofstream(wrapper) << "#!/bin/sh\nif [ ! -e " << dir << "/clashed ]; then touch " << dir
                         << "/clashed; echo \"E srv start: couldn't bind HTTP server socket\"; exit 1; fi\nexec "
                         << server << " \"$@\"\n";
  ::chmod(wrapper.c_str(), 0755);
  process_launcher launcher;
  engine_instance e(launcher, wrapper, fixture_model(dir), "tiny:f32", small_settings(), dir + "/engine.log");
  ASSERT_TRUE(e.start()) << e.last_error();
  EXPECT_EQ(e.state(), engine_state::ready);
  EXPECT_THAT(sy::engine::tail_of_file(dir + "/engine.log", 1 << 20), HasSubstr("couldn't bind"));
}

TEST(engine_instance, a_second_port_clash_fails) {
  const auto dir = sy::test::temp_dir();
  auto fake = dir + "/always-clashing";
  std::ofstream(fake) << "#!/bin/sh\necho \"E srv start: couldn't bind HTTP server socket\"; exit 1\n";
  ::chmod(fake.c_str(), 0755);
  process_launcher launcher;
  engine_instance e(launcher, fake, dir + "/x.gguf", "x", small_settings(), dir + "/engine.log");
  EXPECT_FALSE(e.start());
  EXPECT_THAT(e.last_error(), HasSubstr("exited with status 1 while loading"));
  EXPECT_THAT(e.last_error(), HasSubstr("couldn't bind"));
  std::ifstream log(dir + "/engine.log");
  std::string line;
  int launches = 0;
  while (std::getline(log, line)) launches += line.find("couldn't bind") != std::string::npos;
  EXPECT_EQ(launches, 2);
}

TEST(engine_instance, a_503_while_loading_is_not_dead_and_the_key_reaches_the_child) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "python3 missing";
  const auto dir = sy::test::temp_dir();
  // a stand-in for llama-server: /health answers 503 ("Loading model") three times, then 200;
  // /props answers 200 only with the key the child was given in LLAMA_API_KEY
  auto fake = dir + "/loading-server";
  std::ofstream(fake) << R"(#!/usr/bin/python3
import os, sys, http.server
port = int(sys.argv[sys.argv.index("--port") + 1])
key = os.environ["LLAMA_API_KEY"]
seen = [0]
class h(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            seen[0] += 1
            code = 503 if seen[0] <= 3 else 200
        else:
            code = 200 if self.headers.get("Authorization") == "Bearer " + key else 401
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
        print("GET", self.path, code, flush=True)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), h).serve_forever()
)";
  ::chmod(fake.c_str(), 0755);
  process_launcher launcher;
  engine_instance e(launcher, fake, dir + "/x.gguf", "x", small_settings(), dir + "/engine.log");
  ASSERT_TRUE(e.start()) << e.last_error();
  auto log = sy::engine::tail_of_file(dir + "/engine.log", 1 << 20);
  EXPECT_THAT(log, HasSubstr("GET /health 503"));
  EXPECT_THAT(log, HasSubstr("GET /health 200"));
  EXPECT_THAT(log, HasSubstr("GET /props 200"));
  e.stop(1s);
  EXPECT_EQ(e.state(), engine_state::stopped);
}
