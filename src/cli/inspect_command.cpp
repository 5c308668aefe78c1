// switchyard inspect PATH: what a GGUF model is and what it needs, read from its header only.
#include <iostream>

#include "cli/commands.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"

namespace sy::cli {
namespace {

struct inspect_args {
  std::string path;
  bool json = false;
  std::vector<uint64_t> contexts;
  std::string cache_type = "f16";
  uint64_t parallel = 1;
};

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<inspect_args>();
  auto* cmd =
      app.add_subcommand("inspect", "Show what a GGUF model is and the memory it needs (reads the header only)");
  cmd->add_option("path", args->path, "A local .gguf file")->required();
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->add_option("--ctx", args->contexts, "Context size per slot to size the KV cache for (repeatable)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 24));
  cmd->add_option("--cache-type", args->cache_type, "KV cache type")
      ->check(CLI::IsMember({"f16", "q8_0", "q4_0", "f32", "bf16"}));
  cmd->add_option("--parallel", args->parallel, "Parallel slots sharing the cache")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1024}));
  cmd->callback([args] {
    try {
      gguf::file_source src(args->path);
      auto file = gguf::read_gguf(src);
      gguf::inspect_options opt;
      opt.contexts = args->contexts;
      opt.cache_type = args->cache_type;
      opt.parallel = args->parallel;
      auto report = gguf::build_report(file, args->path, opt);
      std::cout << (args->json ? gguf::format_json(report) + "\n" : gguf::format_text(report));
    } catch (const gguf::gguf_error& e) {
      std::cerr << "error: " << args->path << ": " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    } catch (const std::invalid_argument& e) {
      std::cerr << "error: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace sy::cli
