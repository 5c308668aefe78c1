// `switchyard inspect` as a user runs it, on a generated fixture and on a broken file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>

#include <boost/json.hpp>

#include "child_process.h"
#include "gguf_fixtures.h"

using namespace sy::test;
using testing::HasSubstr;

namespace {
std::pair<int, std::string> run_inspect(std::vector<std::string> args, long* max_rss_kib = nullptr) {
  args.insert(args.begin(), {switchyard_binary(), "inspect"});
  child_process p(args, temp_dir() + "/out.log");
  auto rc = p.wait_exit(std::chrono::seconds(20));
  if (max_rss_kib) *max_rss_kib = p.max_rss_kib().value_or(-1);
  return {rc.value_or(-1), p.output()};
}

// A valid GGUF of ~17 MB whose one metadata key is an array of 16M u8 elements (the most the
// reader accepts), written in pieces: this process must stay small, its RSS is the child's at fork.
void write_huge_array_gguf(const std::string& path) {
  std::string head = "GGUF";
  put_u32(head, 3);
  put_u64(head, 0);  // tensors
  put_u64(head, 2);  // keys
  put_string(head, "general.architecture");
  put_u32(head, uint32_t(sy::gguf::value_type::string));
  put_string(head, "llama");
  put_string(head, "tokenizer.ggml.token_type");
  put_u32(head, uint32_t(sy::gguf::value_type::array));
  put_u32(head, uint32_t(sy::gguf::value_type::u8));
  const uint64_t n = uint64_t{16} << 20;
  put_u64(head, n);
  std::ofstream out(path, std::ios::binary);
  out.write(head.data(), std::streamsize(head.size()));
  std::string chunk(1 << 20, '\x03');
  for (uint64_t left = n; left > 0; left -= chunk.size()) out.write(chunk.data(), std::streamsize(chunk.size()));
}
}  // namespace

TEST(inspect_cli, prints_text_and_json_reports) {
  auto path = temp_dir() + "/m.gguf";
  auto w = llama_fixture();
  w.write(path);
  auto [rc, out] = run_inspect({path, "--ctx", "512", "--cache-type", "q8_0", "--parallel", "2"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("architecture          llama"));
  EXPECT_THAT(out, HasSubstr("KV cache q8_0, 2 parallel slots"));
  EXPECT_THAT(out, HasSubstr("ctx 512"));
  std::tie(rc, out) = run_inspect({path, "--json"});
  ASSERT_EQ(rc, 0) << out;
  auto j = boost::json::parse(out).as_object();
  EXPECT_EQ(j["total"].as_object()["params"].to_number<uint64_t>(), w.tensor_params());
}

TEST(inspect_cli, refuses_a_truncated_file_with_the_offset) {
  auto dir = temp_dir();
  auto bytes = llama_fixture().bytes();
  write_file(dir + "/cut.gguf", bytes.substr(0, 1000));
  auto [rc, out] = run_inspect({dir + "/cut.gguf"});
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("error: " + dir + "/cut.gguf: at byte"));
  std::tie(rc, out) = run_inspect({dir + "/missing.gguf"});
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("cannot open"));
}

TEST(inspect_cli, non_finite_metadata_gives_json_that_parses) {
  auto path = temp_dir() + "/nan.gguf";
  auto w = llama_fixture();
  w.set_f32("llama.rope.freq_base", std::numeric_limits<float>::quiet_NaN());
  w.set_f32("llama.rope.scaling.factor", std::numeric_limits<float>::infinity());
  w.write(path);
  auto [rc, out] = run_inspect({path, "--json"});
  ASSERT_EQ(rc, 0) << out;  // was 134: the CLI's own JSON did not parse
  auto j = boost::json::parse(out).as_object();
  EXPECT_TRUE(j["rope"].as_object()["freq_base"].is_null());
  EXPECT_TRUE(j["rope"].as_object()["scaling_factor"].is_null());
  std::tie(rc, out) = run_inspect({path});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("freq base             nan"));
  EXPECT_THAT(out, HasSubstr("scaling factor        inf"));
}

TEST(inspect_cli, text_report_escapes_terminal_controls_from_the_file) {
  auto path = temp_dir() + "/evil.gguf";
  auto w = llama_fixture();
  w.set_string("general.name",
               "\x1b]0;pwned\x07\x1b[2J\xc2\x9b"
               "31mred");
  w.write(path);
  auto [rc, out] = run_inspect({path});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("\\x1b]0;pwned\\x07\\x1b[2J\\u009b31mred"));
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\x07'), std::string::npos);
}

TEST(inspect_cli, a_sixteen_million_element_array_costs_little_memory) {
  auto path = temp_dir() + "/huge_array.gguf";
  write_huge_array_gguf(path);
  long rss_kib = -1;
  // a sanitized binary has shadow memory and a quarantine of its own: its bound still catches
  // the ~626 MiB of materialising the array
  const long bound_kib = std::getenv("SWITCHYARD_SANITIZER") ? 256 * 1024 : 64 * 1024;
  auto [rc, out] = run_inspect({path}, &rss_kib);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("(16777216 special)"));  // tallied over every element
  EXPECT_GT(rss_kib, 0);
  EXPECT_LT(rss_kib, bound_kib) << "switchyard inspect peaked at " << rss_kib / 1024 << " MiB";  // was ~626 MiB
  std::tie(rc, out) = run_inspect({path, "--json"}, &rss_kib);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_LT(rss_kib, bound_kib) << "switchyard inspect --json peaked at " << rss_kib / 1024 << " MiB";
}
