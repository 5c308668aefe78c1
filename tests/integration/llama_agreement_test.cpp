// Our inspector against llama.cpp's own reading: the pinned llama-server loads generated fixtures
// and logs parameter count, file size and KV-cache sizes; ours must match. Skipped when the
// llama-server binary is absent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "child_process.h"
#include "core/config_sources.h"
#include "core/llama_paths.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"
#include "gguf_fixtures.h"

using namespace sy::test;

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

struct llama_log {
  double params = -1;  // in the unit printed (K/M/B)
  std::string params_unit;
  double file_mib = -1;
  std::vector<std::pair<double, uint64_t>> kv;  // (MiB, cells) per "llama_kv_cache: size =" line
  std::string text;
};

// Starts llama-server on the model, waits until it has loaded it (or exited), parses its log.
llama_log load_with_llama_server(const std::string& model, uint64_t ctx) {
  auto bins = sy::find_llama_binaries(sy::process_env());
  auto dir = temp_dir();
  child_process p({bins.server, "-m", model, "-c", std::to_string(ctx), "-np", "1", "--host", "127.0.0.1", "--port",
                   std::to_string(free_port()), "--no-webui", "-t", "2", "-fit", "off", "--no-warmup", "-lv", "4"},
                  dir + "/llama.log");
  p.wait_for(std::regex("(server is listening|model loaded|error|failed)"), std::chrono::seconds(60));
  p.signal(SIGTERM);
  p.wait_exit(std::chrono::seconds(10));
  llama_log out;
  out.text = p.output();
  std::smatch m;
  if (std::regex_search(out.text, m, std::regex(R"(model params\s*=\s*([0-9.]+) ([KMBT]))")))
    out.params = std::stod(m[1]), out.params_unit = m[2];
  if (std::regex_search(out.text, m, std::regex(R"(file size\s*=\s*([0-9.]+) MiB)"))) out.file_mib = std::stod(m[1]);
  std::regex kv(R"(llama_kv_cache: size =\s*([0-9.]+) MiB \(\s*([0-9]+) cells)");
  for (auto it = std::sregex_iterator(out.text.begin(), out.text.end(), kv); it != std::sregex_iterator(); ++it)
    out.kv.emplace_back(std::stod((*it)[1]), std::stoull((*it)[2]));
  return out;
}

sy::gguf::model_report our_report(const std::string& path, uint64_t ctx) {
  sy::gguf::file_source src(path);
  auto f = sy::gguf::read_gguf(src);
  return sy::gguf::build_report(f, path, {.contexts = {ctx}});
}

double scaled(uint64_t n, const std::string& unit) {
  double d = unit == "K" ? 1e3 : unit == "M" ? 1e6 : unit == "B" ? 1e9 : 1e12;
  return double(n) / d;
}

constexpr double mib = 1024.0 * 1024.0;

}  // namespace

TEST(llama_agreement, llama_gqa_fixture) {
  if (!sy::find_llama_binaries(sy::process_env()).server_exists) GTEST_SKIP() << "llama-server not built";
  fixture_shape s;
  s.n_layer = 4, s.n_embd = 128, s.n_head = 8, s.n_head_kv = 2, s.n_ff = 256;
  auto path = temp_dir() + "/llama.gguf";
  llama_fixture(s).write(path, gguf_writer::fill::random);
  auto ours = our_report(path, 1024);
  auto theirs = load_with_llama_server(path, 1024);
  ASSERT_GE(theirs.params, 0) << theirs.text;
  EXPECT_NEAR(scaled(ours.total.params, theirs.params_unit), theirs.params, 0.006) << theirs.text;
  EXPECT_NEAR(double(ours.total.bytes) / mib, theirs.file_mib, 0.006);
  ASSERT_EQ(theirs.kv.size(), 1u) << theirs.text;
  EXPECT_EQ(ours.memory[0].kv.cells, theirs.kv[0].second);
  EXPECT_NEAR(double(ours.memory[0].kv.bytes()) / mib, theirs.kv[0].first, 0.006);
  std::cerr << "[llama gqa] params ours " << ours.total.params << " theirs " << theirs.params << theirs.params_unit
            << "; weights ours " << double(ours.total.bytes) / mib << " MiB theirs " << theirs.file_mib
            << " MiB; KV ours " << double(ours.memory[0].kv.bytes()) / mib << " MiB theirs " << theirs.kv[0].first
            << " MiB (" << theirs.kv[0].second << " cells)\n";
}

TEST(llama_agreement, gemma2_sliding_window_fixture) {
  if (!sy::find_llama_binaries(sy::process_env()).server_exists) GTEST_SKIP() << "llama-server not built";
  fixture_shape s;
  s.n_layer = 4, s.n_embd = 128, s.n_head = 4, s.n_head_kv = 2, s.n_ff = 256, s.sliding_window = 128;
  auto path = temp_dir() + "/gemma2.gguf";
  gemma2_fixture(s).write(path, gguf_writer::fill::random);
  auto ours = our_report(path, 2048);
  auto theirs = load_with_llama_server(path, 2048);
  ASSERT_GE(theirs.params, 0) << theirs.text;
  EXPECT_NEAR(scaled(ours.total.params, theirs.params_unit), theirs.params, 0.006) << theirs.text;
  ASSERT_EQ(theirs.kv.size(), 2u) << theirs.text;  // the full cache, then the SWA cache
  const auto& kv = ours.memory[0].kv;
  EXPECT_EQ(kv.cells, theirs.kv[0].second);
  EXPECT_EQ(kv.swa_cells, theirs.kv[1].second);
  EXPECT_NEAR(double(kv.bytes()) / mib, theirs.kv[0].first + theirs.kv[1].first, 0.012);
  std::cerr << "[gemma2 swa] params ours " << ours.total.params << " theirs " << theirs.params << theirs.params_unit
            << "; KV ours " << double(kv.bytes()) / mib << " MiB (" << kv.cells << "+" << kv.swa_cells
            << " cells) theirs " << theirs.kv[0].first << "+" << theirs.kv[1].first << " MiB (" << theirs.kv[0].second
            << "+" << theirs.kv[1].second << " cells)\n";
}
