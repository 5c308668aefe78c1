// The upstream dialect of each backend type.
#include "backends/anthropic/anthropic_dialect.h"
#include "backends/gemini/gemini_dialect.h"
#include "backends/ollama/ollama_dialect.h"

namespace sy::backends {

std::shared_ptr<const upstream_dialect> make_dialect(backend_type type) {
  switch (type) {
    case backend_type::openai: return nullptr;
    case backend_type::anthropic: return std::make_shared<anthropic_dialect>();
    case backend_type::gemini: return std::make_shared<gemini_dialect>();
    case backend_type::ollama: return std::make_shared<ollama_dialect>();
  }
  return nullptr;
}

}  // namespace sy::backends
