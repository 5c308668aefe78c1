// Local models end to end: the real switchyard binary, the real pinned llama-server as its
// children, tiny random-weight GGUF models generated here. Skips when llama-server is not built.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "child_process.h"
#include "core/config_sources.h"
#include "core/llama_paths.h"
#include "gateway_harness.h"
#include "gguf_fixtures.h"
#include "http_client.h"

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::HasSubstr;

namespace {

bool have_llama_server() {
  return sy::find_llama_binaries(sy::process_env()).server_exists;
}

// A folder with `count` tiny text-safe llama models named "tiny-a", "tiny-b", ... (+ options).
std::string model_dir(int count, bool with_embedding = false) {
  auto dir = sy::test::temp_dir();
  sy::test::fixture_shape s;
  s.n_layer = 2, s.n_embd = 64, s.n_head = 4, s.n_head_kv = 2, s.n_ff = 128, s.text_safe = true;
  for (int i = 0; i < count; ++i) {
    auto w = sy::test::llama_fixture(s);
    w.set_string("general.name", std::string("tiny ") + char('a' + i));
    w.write(dir + "/tiny-" + char('a' + i) + ".gguf", sy::test::gguf_writer::fill::random);
  }
  if (with_embedding) {
    auto w = sy::test::llama_fixture(s);
    w.set_string("general.name", "tiny embed");
    w.set_u32("llama.pooling_type", 1);  // mean pooling: an embedding model
    w.write(dir + "/tiny-embed.gguf", sy::test::gguf_writer::fill::random);
  }
  return dir;
}

std::string config_for(const std::string& dir, const std::string& engine_extra = "") {
  return "models:\n  paths: [" + dir +
         "]\n"
         "engine:\n  context_size: 256\n  threads: 1\n  batch_size: 256\n  warmup: false\n"
         "  restart_backoff: 200ms\n" +
         engine_extra;
}

std::string chat(const std::string& model, int max_tokens = 4) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hello"}],"max_tokens":)" +
         std::to_string(max_tokens) + "}";
}

// Status of a short chat request (models are listed before the gateway listens: no polling).
unsigned chat_status(unsigned short port, const std::string& model) {
  return sy::test::http_request(port, "POST", "/v1/chat/completions", chat(model)).status;
}

json::array engines(unsigned short port) {
  auto r = sy::test::http_request(port, "GET", "/api/engines");
  EXPECT_EQ(r.status, 200u) << r.body;
  return json::parse(r.body).at("engines").as_array();
}

const json::object* engine_of(const json::array& list, std::string_view model) {
  for (const auto& e : list)
    if (e.at("model").as_string() == model) return &e.as_object();
  return nullptr;
}

std::string state_of(unsigned short port, std::string_view model) {
  auto list = engines(port);
  auto* e = engine_of(list, model);
  return e ? std::string(e->at("state").as_string()) : "absent";
}

// Polls until `pred` holds (true) or `limit` passes (false).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 20s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

bool process_alive(int pid) {
  // a zombie is not alive: read /proc/<pid>/stat's state
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

class local_models : public testing::Test {
 protected:
  void SetUp() override {
    if (!have_llama_server()) GTEST_SKIP() << "the pinned llama-server is not built (scripts/llama-cpp.sh)";
  }
};

TEST_F(local_models, listed_with_context_length_then_loaded_once_by_concurrent_first_requests) {
  auto dir = model_dir(1);
  sy::test::gateway_process gw(config_for(dir), nullptr);
  ASSERT_TRUE(gw.started()) << gw.process().output();
  // listed from the start: the store is scanned before the gateway listens
  auto models = json::parse(sy::test::http_request(gw.port(), "GET", "/v1/models").body);
  const json::object* entry = nullptr;
  for (const auto& m : models.at("data").as_array())
    if (m.at("id").as_string() == "local/tiny-a:f32") entry = &m.as_object();
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->at("context_length").as_int64(), 2048);
  EXPECT_EQ(entry->at("switchyard").at("loaded").as_bool(), false);

  std::vector<std::future<sy::test::response>> calls;
  for (int i = 0; i < 4; ++i)
    calls.push_back(std::async(std::launch::async, [&] {
      return sy::test::http_request(gw.port(), "POST", "/v1/chat/completions", chat("local/tiny-a:f32"));
    }));
  for (auto& c : calls) {
    auto r = c.get();
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_THAT(r.body, HasSubstr("\"completion_tokens\":4"));
  }
  auto list = engines(gw.port());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("state").as_string(), "ready");
  EXPECT_EQ(list[0].at("restarts").as_int64(), 0);
  auto log = gw.process().output();
  std::size_t loads = 0;
  for (auto at = log.find("'tiny-a:f32': loading"); at != std::string::npos;
       at = log.find("'tiny-a:f32': loading", at + 1))
    ++loads;
  EXPECT_EQ(loads, 1u) << log;
  auto metrics = sy::test::http_request(gw.port(), "GET", "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("switchyard_engine_up{model=\"tiny-a:f32\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("switchyard_engine_restarts_total{model=\"tiny-a:f32\"} 0"));
  // the same model by its bare name, streaming
  auto r = sy::test::http_request(gw.port(), "POST", "/v1/chat/completions",
                                  R"({"model":"tiny-a:f32","stream":true,"max_tokens":3,)"
                                  R"("messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(r.status, 200u);
  EXPECT_THAT(r.body, HasSubstr("data: [DONE]"));
}

TEST_F(local_models, idle_models_unload_after_the_ttl) {
  auto dir = model_dir(1);
  sy::test::gateway_process gw(config_for(dir, "  idle_unload: 1s\n"), nullptr);
  ASSERT_TRUE(gw.started());
  ASSERT_EQ(chat_status(gw.port(), "local/tiny-a:f32"), 200u);
  auto pid = engine_of(engines(gw.port()), "tiny-a:f32")->at("pid").as_int64();
  EXPECT_TRUE(eventually([&] { return state_of(gw.port(), "tiny-a:f32") == "absent"; }, 10s));
  EXPECT_TRUE(eventually([&] { return !process_alive(int(pid)); }, 5s));
  EXPECT_THAT(gw.process().output(), HasSubstr("unloading (idle for 1s)"));
}

TEST_F(local_models, least_recently_used_model_gives_way_under_max_loaded) {
  auto dir = model_dir(3);
  sy::test::gateway_process gw(config_for(dir, "  max_loaded: 2\n"), nullptr);
  ASSERT_TRUE(gw.started());
  ASSERT_EQ(chat_status(gw.port(), "local/tiny-a:f32"), 200u);
  ASSERT_EQ(sy::test::http_request(gw.port(), "POST", "/v1/chat/completions", chat("local/tiny-b:f32")).status, 200u);
  ASSERT_EQ(sy::test::http_request(gw.port(), "POST", "/v1/chat/completions", chat("local/tiny-a:f32")).status, 200u);
  // a and b are loaded, b is the least recently used: c takes its place
  ASSERT_EQ(sy::test::http_request(gw.port(), "POST", "/v1/chat/completions", chat("local/tiny-c:f32")).status, 200u);
  EXPECT_EQ(state_of(gw.port(), "tiny-a:f32"), "ready");
  EXPECT_EQ(state_of(gw.port(), "tiny-b:f32"), "absent");
  EXPECT_EQ(state_of(gw.port(), "tiny-c:f32"), "ready");
  EXPECT_THAT(gw.process().output(), HasSubstr("'tiny-b:f32': unloading (making room for 'tiny-c:f32')"));
}

TEST_F(local_models, a_killed_engine_is_reported_then_restarted_by_the_next_request) {
  auto dir = model_dir(1);
  sy::test::gateway_process gw(config_for(dir), nullptr);
  ASSERT_TRUE(gw.started());
  ASSERT_EQ(chat_status(gw.port(), "local/tiny-a:f32"), 200u);
  auto pid = engine_of(engines(gw.port()), "tiny-a:f32")->at("pid").as_int64();
  ASSERT_EQ(::kill(pid_t(pid), SIGKILL), 0);
  // the supervisor notices on its own and says why
  ASSERT_TRUE(eventually([&] { return state_of(gw.port(), "tiny-a:f32") == "failed"; }, 10s));
  auto failed = engines(gw.port());
  EXPECT_THAT(std::string(engine_of(failed, "tiny-a:f32")->at("last_error").as_string()), HasSubstr("SIGKILL"));
  EXPECT_THAT(gw.process().output(), HasSubstr("ended unexpectedly"));
  // the next request starts a new engine
  auto r = sy::test::http_request(gw.port(), "POST", "/v1/chat/completions", chat("local/tiny-a:f32"));
  EXPECT_EQ(r.status, 200u) << r.body;
  auto now = engines(gw.port());
  EXPECT_EQ(engine_of(now, "tiny-a:f32")->at("state").as_string(), "ready");
  EXPECT_NE(engine_of(now, "tiny-a:f32")->at("pid").as_int64(), pid);
  EXPECT_EQ(engine_of(now, "tiny-a:f32")->at("restarts").as_int64(), 1);
}

TEST_F(local_models, refuses_a_model_whose_estimate_exceeds_the_memory_budget) {
  auto dir = model_dir(1);
  sy::test::gateway_process gw(config_for(dir, "  memory_budget: 4MiB\n"), nullptr);
  ASSERT_TRUE(gw.started());
  sy::test::response r;
  r = sy::test::http_request(gw.port(), "POST", "/v1/chat/completions", chat("local/tiny-a:f32"));
  EXPECT_EQ(r.status, 507u);  // refused for good under this configuration: not worth a retry
  EXPECT_THAT(r.body, HasSubstr("insufficient_memory"));
  EXPECT_THAT(r.body, HasSubstr("more than engine.memory_budget (4.00 MiB)"));
  EXPECT_TRUE(engines(gw.port()).empty());  // nothing was started
}

TEST_F(local_models, children_die_with_a_gateway_killed_by_sigkill) {
  auto dir = model_dir(1);
  sy::test::gateway_process gw(config_for(dir), nullptr);
  ASSERT_TRUE(gw.started());
  ASSERT_EQ(chat_status(gw.port(), "local/tiny-a:f32"), 200u);
  auto pid = engine_of(engines(gw.port()), "tiny-a:f32")->at("pid").as_int64();
  ASSERT_TRUE(process_alive(int(pid)));
  gw.process().signal(SIGKILL);
  gw.process().wait_exit(5s);
  EXPECT_TRUE(eventually([&] { return !process_alive(int(pid)); }, 5s))
      << "llama-server " << pid << " outlived the gateway";
}

TEST_F(local_models, embedding_models_run_in_embedding_mode) {
  auto dir = model_dir(0, true);
  sy::test::gateway_process gw(config_for(dir), nullptr);
  ASSERT_TRUE(gw.started());
  sy::test::response r;
  r = sy::test::http_request(gw.port(), "POST", "/v1/embeddings",
                             R"({"model":"local/tiny-embed:f32","input":["hello","world"]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto doc = json::parse(r.body);
  ASSERT_EQ(doc.at("data").as_array().size(), 2u);
  EXPECT_EQ(doc.at("data").at(0).at("embedding").as_array().size(), 64u);  // n_embd
}

TEST_F(local_models, admin_api_loads_and_unloads) {
  auto dir = model_dir(1);
  sy::test::gateway_process gw(config_for(dir), nullptr);
  ASSERT_TRUE(gw.started());
  sy::test::response r;
  r = sy::test::http_request(gw.port(), "POST", "/api/engines/load", R"({"model":"local/tiny-a:f32"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(state_of(gw.port(), "tiny-a:f32"), "ready");
  r = sy::test::http_request(gw.port(), "POST", "/api/engines/unload", R"({"model":"tiny-a:f32"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(state_of(gw.port(), "tiny-a:f32"), "absent");
  r = sy::test::http_request(gw.port(), "POST", "/api/engines/unload", R"({"model":"tiny-a:f32"})");
  EXPECT_EQ(r.status, 404u);
  r = sy::test::http_request(gw.port(), "POST", "/api/engines/load", R"({"model":"nope"})");
  EXPECT_EQ(r.status, 404u);
  r = sy::test::http_request(gw.port(), "POST", "/api/engines/load", "{}");
  EXPECT_EQ(r.status, 400u);
}

// A loopback port nobody listens on right now.
unsigned short unused_port() {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::acceptor a(ctx, {boost::asio::ip::address_v4::loopback(), 0});
  return a.local_endpoint().port();
}

TEST_F(local_models, run_answers_one_prompt_through_a_private_gateway_that_stops_with_it) {
  auto dir = model_dir(1);
  auto work = sy::test::temp_dir();
  // nothing listens at the configured address: run starts (and stops) a gateway of its own
  sy::test::write_file(work + "/config.yaml",
                       "server:\n  listen: 127.0.0.1:" + std::to_string(unused_port()) + "\n" + config_for(dir));
  sy::test::child_process run(
      {"/usr/bin/env", "SWITCHYARD_HOME=" + work + "/home", sy::test::switchyard_binary(), "run", "-c",
       work + "/config.yaml", "tiny-a:f32", "Say", "hello", "--max-tokens", "6", "-v"},
      work + "/run.log");
  ASSERT_EQ(run.wait_exit(60s), 0) << run.output();
  EXPECT_THAT(run.output(), HasSubstr("6 generated"));
  std::string log_path;
  for (const auto& f : std::filesystem::directory_iterator(work + "/home/logs"))
    if (f.path().filename().string().starts_with("run-gateway-")) log_path = f.path();
  std::ifstream log(log_path);
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("ready on port [0-9]+ \\(pid ([0-9]+)\\)"))) << text;
  EXPECT_TRUE(eventually([&] { return !process_alive(std::stoi(m[1].str())); }, 5s)) << "the engine outlived run";
}

TEST_F(local_models, run_is_interactive_on_a_terminal_with_history_and_commands) {
  auto dir = model_dir(1);
  auto work = sy::test::temp_dir();
  sy::test::write_file(work + "/config.yaml",
                       "server:\n  listen: 127.0.0.1:" + std::to_string(unused_port()) + "\n" + config_for(dir));
  sy::test::write_file(work + "/typed.txt", "hello\nagain\n/clear\nhello\n/bye\n");
  // script(1) gives run a terminal; what is typed comes from the file
  auto command = "SWITCHYARD_HOME=" + work + "/home " + sy::test::switchyard_binary() + " run -c " + work +
                 "/config.yaml tiny-a:f32 --max-tokens 3 -v";
  sy::test::child_process run({"/bin/sh", "-c", "script -qfec '" + command + "' /dev/null < " + work + "/typed.txt"},
                              work + "/run.log");
  ASSERT_EQ(run.wait_exit(60s), 0) << run.output();
  auto out = run.output();
  EXPECT_THAT(out, HasSubstr("Chatting with tiny-a:f32"));
  EXPECT_THAT(out, HasSubstr("(conversation cleared)"));
  // three answers: the second one sees the first exchange (a longer prompt); after /clear the
  // conversation starts afresh (the first prompt again)
  std::vector<int> prompts;
  std::regex stats("\\[([0-9]+) prompt tokens, 3 generated");
  for (std::sregex_iterator it(out.begin(), out.end(), stats), end; it != end; ++it)
    prompts.push_back(std::stoi((*it)[1]));
  ASSERT_EQ(prompts.size(), 3u) << out;
  EXPECT_GT(prompts[1], prompts[0]);
  EXPECT_EQ(prompts[2], prompts[0]);
}

TEST_F(local_models, run_goes_through_the_running_gateway) {
  auto dir = model_dir(1);
  auto port = unused_port();
  auto listen = "127.0.0.1:" + std::to_string(port);
  sy::test::gateway_process gw("server:\n  listen: " + listen + "\n" + config_for(dir), nullptr, {"--listen", listen});
  ASSERT_TRUE(gw.started()) << gw.process().output();
  auto work = sy::test::temp_dir();
  sy::test::child_process run(
      {sy::test::switchyard_binary(), "run", "-c", gw.config_path(), "local/tiny-a:f32", "hi", "--max-tokens", "3"},
      work + "/run.log");
  ASSERT_EQ(run.wait_exit(60s), 0) << run.output();
  EXPECT_EQ(state_of(gw.port(), "tiny-a:f32"), "ready");  // loaded by run's request, in this gateway
  // an unknown model: the gateway's message, and a failing exit status
  sy::test::child_process bad({sy::test::switchyard_binary(), "run", "-c", gw.config_path(), "tiny-x:f32", "hi"},
                              work + "/bad.log");
  EXPECT_EQ(bad.wait_exit(30s), 1);
  EXPECT_THAT(bad.output(), HasSubstr("did you mean local/tiny-a:f32"));
}

}  // namespace
