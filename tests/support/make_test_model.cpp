// make-test-model: writes a tiny random-weight llama GGUF (a few MB, the real tokenizer of the
// pinned llama.cpp tree when it is built) for benchmarks and manual tries. Never downloads.
//
//   make-test-model OUT.gguf [--name NAME] [--layers N] [--embd N] [--ctx N] [--embedding]
//
// --embedding adds llama.pooling_type = mean, which makes it an embedding model to the store.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gguf_fixtures.h"

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr,
                 "usage: make-test-model OUT.gguf [--name NAME] [--layers N] [--embd N] [--ctx N] [--embedding]\n");
    return 2;
  }
  sy::test::fixture_shape s;
  s.text_safe = true;
  std::string out = argv[1], name;
  bool embedding = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "make-test-model: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--name")
      name = next();
    else if (a == "--layers")
      s.n_layer = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "--embd")
      s.n_embd = static_cast<uint32_t>(std::stoul(next())), s.n_ff = 2 * s.n_embd;
    else if (a == "--ctx")
      s.n_ctx_train = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "--embedding")
      embedding = true;
    else {
      std::fprintf(stderr, "make-test-model: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  auto w = sy::test::llama_fixture(s);
  if (!name.empty()) w.set_string("general.name", name);
  if (embedding) w.set_u32("llama.pooling_type", 1);
  w.write(out, sy::test::gguf_writer::fill::random);
  return 0;
}
