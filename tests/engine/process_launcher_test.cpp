#include "engine/process_launcher.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "child_process.h"

using namespace std::chrono_literals;
using sy::engine::process_launcher;
using sy::engine::process_spec;
using testing::HasSubstr;

namespace {

std::optional<int> wait_exit(process_launcher& l, pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (auto s = l.poll_exit(pid)) return s;
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_s, comm, state;
  if (!(stat >> pid_s >> comm >> state)) return false;
  return state != "Z" && state != "X";
}

}  // namespace

TEST(process_launcher, runs_a_child_with_its_output_in_the_log) {
  process_launcher launcher;
  auto log = sy::test::temp_dir() + "/child.log";
  auto r = launcher.launch({"/bin/sh", {"-c", "echo hello from child; echo oops >&2; exit 3"}, log, {"SY_X=1"}});
  ASSERT_GT(r.pid, 0) << r.error;
  EXPECT_EQ(wait_exit(launcher, r.pid), 3);
  auto out = sy::engine::tail_of_file(log);
  EXPECT_THAT(out, HasSubstr("hello from child"));
  EXPECT_THAT(out, HasSubstr("oops"));
}

TEST(process_launcher, reports_a_missing_program_at_launch) {
  process_launcher launcher;
  auto r = launcher.launch({"/nonexistent/llama-server", {}, sy::test::temp_dir() + "/l.log", {}});
  EXPECT_EQ(r.pid, -1);
  EXPECT_THAT(r.error, HasSubstr("cannot start /nonexistent/llama-server: No such file or directory"));
}

TEST(process_launcher, stop_terminates_then_kills) {
  process_launcher launcher;
  auto dir = sy::test::temp_dir();
  auto polite = launcher.launch({"/bin/sleep", {"100"}, dir + "/a.log", {}});
  ASSERT_GT(polite.pid, 0);
  EXPECT_EQ(launcher.stop(polite.pid, 2s), 128 + SIGTERM);
  auto stubborn =
      launcher.launch({"/bin/sh", {"-c", "trap '' TERM; while true; do sleep 0.05; done"}, dir + "/b.log", {}});
  ASSERT_GT(stubborn.pid, 0);
  std::this_thread::sleep_for(100ms);  // let the shell install its trap
  EXPECT_EQ(launcher.stop(stubborn.pid, 200ms), 128 + SIGKILL);
  EXPECT_TRUE(launcher.running().empty());
}

TEST(process_launcher, child_outlives_the_thread_that_asked_for_it) {
  // the parent-death signal follows the forking thread: a child launched on behalf of a
  // short-lived thread must not die with that thread
  process_launcher launcher;
  pid_t pid = -1;
  std::thread([&] { pid = launcher.launch({"/bin/sleep", {"100"}, sy::test::temp_dir() + "/c.log", {}}).pid; }).join();
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(launcher.poll_exit(pid));
  EXPECT_TRUE(alive(pid));
}

TEST(process_launcher, children_die_when_the_gateway_is_killed) {
  auto dir = sy::test::temp_dir();
  sy::test::child_process probe({LAUNCHER_PROBE_BIN, dir + "/grandchild.log"}, dir + "/probe.log");
  auto pid_text = probe.wait_for(std::regex("child ([0-9]+)"), 10s);
  ASSERT_TRUE(pid_text) << probe.output();
  pid_t grandchild = std::stoi(*pid_text);
  ASSERT_TRUE(alive(grandchild));
  probe.signal(SIGKILL);
  probe.wait_exit(5s);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !alive(grandchild);
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(gone) << "child " << grandchild << " outlived a SIGKILLed parent";
}

// An engine child gets what it needs to run, never the gateway's secrets (cloud keys in the
// gateway's environment).
TEST(process_launcher, children_inherit_no_secrets_from_the_environment) {
  ::setenv("OPENAI_API_KEY", "sk-canary-openai-0123456789", 1);
  ::setenv("SWITCHYARD_API_KEYS", "sk-canary-client-0123456789", 1);
  ::setenv("GGML_CANARY_SETTING", "kept", 1);
  process_launcher launcher;
  auto log = sy::test::temp_dir() + "/env.log";
  auto r = launcher.launch({"/usr/bin/env", {}, log, {"LLAMA_API_KEY=for-the-child", "PATH=/usr/bin:/bin"}});
  ASSERT_GT(r.pid, 0) << r.error;
  EXPECT_EQ(wait_exit(launcher, r.pid), 0);
  auto env = sy::engine::tail_of_file(log);
  EXPECT_THAT(env, testing::Not(HasSubstr("canary-openai")));
  EXPECT_THAT(env, testing::Not(HasSubstr("canary-client")));
  EXPECT_THAT(env, HasSubstr("GGML_CANARY_SETTING=kept"));
  EXPECT_THAT(env, HasSubstr("LLAMA_API_KEY=for-the-child"));
  int paths = 0;  // one PATH: the given one overrides the inherited one
  std::istringstream lines(env);
  for (std::string line; std::getline(lines, line);) paths += line.starts_with("PATH=") ? 1 : 0;
  EXPECT_EQ(paths, 1);
  EXPECT_THAT(env, HasSubstr("PATH=/usr/bin:/bin\n"));
  ::unsetenv("OPENAI_API_KEY");
  ::unsetenv("SWITCHYARD_API_KEYS");
  ::unsetenv("GGML_CANARY_SETTING");
}
