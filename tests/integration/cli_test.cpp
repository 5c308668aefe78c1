// The CLI as a user runs it: --version, config check, config show.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "child_process.h"

using namespace sy::test;
using testing::HasSubstr;
using testing::Not;

namespace {
std::pair<int, std::string> run(std::vector<std::string> args,
                                std::vector<std::pair<std::string, std::string>> env = {}) {
  for (auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  args.insert(args.begin(), switchyard_binary());
  child_process p(args, temp_dir() + "/out.log");
  auto rc = p.wait_exit(std::chrono::seconds(10));
  for (auto& [k, v] : env) unsetenv(k.c_str());
  return {rc.value_or(-1), p.output()};
}
}  // namespace

TEST(cli, version_names_the_llama_cpp_commit) {
  auto [rc, out] = run({"--version"});
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(out, HasSubstr("80fb11ac73e66d89eae2c6a91d8a77428fa733ed"));
}

TEST(cli, config_check_reports_line_and_reason) {
  auto dir = temp_dir();
  write_file(dir + "/bad.yaml",
             "server:\n  listen: 127.0.0.1:1\nbackends:\n  - name: x\n    url: http://h/v1\n    colour: red\n");
  auto [rc, out] = run({"config", "check", dir + "/bad.yaml"});
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("bad.yaml:6: unknown key 'colour' in backend"));
  write_file(dir + "/good.yaml", "backends:\n  - name: x\n    url: http://h/v1\n");
  std::tie(rc, out) = run({"config", "check", dir + "/good.yaml"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("ok (1 backends"));
}

TEST(cli, config_show_masks_secrets_and_applies_precedence) {
  auto dir = temp_dir();
  write_file(
      dir + "/c.yaml",
      "server:\n  listen: 127.0.0.1:1111\nbackends:\n  - name: x\n    url: http://h/v1\n    api_key: ${SY_TEST_KEY}\n");
  auto [rc, out] = run({"config", "show", "--config", dir + "/c.yaml", "--listen", "127.0.0.1:3333"},
                       {{"SY_TEST_KEY", "sk-very-secret-key-abcd"}, {"SWITCHYARD_LISTEN", "127.0.0.1:2222"}});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("listen: 127.0.0.1:3333"));  // flag beats env beats file
  EXPECT_THAT(out, HasSubstr("********abcd"));
  EXPECT_THAT(out, Not(HasSubstr("very-secret")));
  std::tie(rc, out) = run({"config", "show", "--config", dir + "/c.yaml"}, {{"SWITCHYARD_LISTEN", "127.0.0.1:2222"}});
  EXPECT_THAT(out, HasSubstr("listen: 127.0.0.1:2222"));
  std::tie(rc, out) = run({"config", "show"}, {{"XDG_CONFIG_HOME", dir + "/none"}, {"HOME", dir}});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("listen: 127.0.0.1:8321"));  // no file needed
}
