// A stand-in gateway for the orphan test: starts one long-running child through the engine's
// process launcher, prints its pid, and waits to be killed.
#include <cstdio>
#include <thread>

#include "engine/process_launcher.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  sy::engine::process_launcher launcher;
  auto r = launcher.launch({"/bin/sleep", {"1000"}, argv[1], {}});
  if (r.pid <= 0) {
    std::fprintf(stderr, "launch failed: %s\n", r.error.c_str());
    return 1;
  }
  std::printf("child %d\n", r.pid);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::hours(1));
}
