// switchyard: the command-line front end. Each subcommand lives in its own file.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/version.h"

int main(int argc, char** argv) {
  CLI::App app{"Switchyard: one local endpoint for every language model you can reach"};
  app.name("switchyard");
  app.set_version_flag("-V,--version", [] {
    return std::string("switchyard ") + sy::version + "\nllama.cpp " + sy::llama_cpp_commit +
           " (node-llama-cpp@3.21.1 bundle)\nllama.cpp build: " + sy::llama_cpp_dir;
  });
  app.require_subcommand(1);
  sy::cli::add_serve_command(app);
  sy::cli::add_config_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
