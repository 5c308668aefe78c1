// switchyard: the command-line front end. Each subcommand lives in its own file.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/crash_report.h"
#include "core/llama_paths.h"
#include "core/version.h"

#ifdef SWITCHYARD_MIMALLOC
#include <mimalloc.h>
#endif

namespace {

// The allocator the binary runs on (a call into mimalloc also keeps the linker from dropping it).
std::string allocator_name() {
#ifdef SWITCHYARD_MIMALLOC
  int v = mi_version();
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
#else
  return "the C library's malloc";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  sy::install_crash_report();
  CLI::App app{"Switchyard: one local endpoint for every language model you can reach"};
  app.name("switchyard");
  app.set_version_flag("-V,--version", [] {
    auto llama = sy::find_llama_binaries(sy::process_env());
    return std::string("switchyard ") + sy::version + "\nllama.cpp " + sy::llama_cpp_commit +
           " (pinned: node-llama-cpp@3.21.1 bundle)\nllama-server: " + llama.server + " (" + llama.origin +
           (llama.server_exists              ? ")"
            : llama.origin == "pinned build" ? ", missing: run scripts/llama-cpp.sh)"
                                             : ", not found or not executable)") +
           "\nallocator: " + allocator_name();
  });
  app.require_subcommand(1);
  sy::cli::add_serve_command(app);
  sy::cli::add_config_command(app);
  sy::cli::add_inspect_command(app);
  sy::cli::add_ls_command(app);
  sy::cli::add_rm_command(app);
  sy::cli::add_search_command(app);
  sy::cli::add_pull_command(app);
  sy::cli::add_run_command(app);
  sy::cli::add_backends_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
