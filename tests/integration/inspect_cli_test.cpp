// `switchyard inspect` as a user runs it, on a generated fixture and on a broken file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "child_process.h"
#include "gguf_fixtures.h"

using namespace sy::test;
using testing::HasSubstr;

namespace {
std::pair<int, std::string> run_inspect(std::vector<std::string> args) {
  args.insert(args.begin(), {switchyard_binary(), "inspect"});
  child_process p(args, temp_dir() + "/out.log");
  auto rc = p.wait_exit(std::chrono::seconds(20));
  return {rc.value_or(-1), p.output()};
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
