// The upstream dialect of each backend type.
#include "backends/anthropic/anthropic_dialect.h"

namespace sy::backends {

std::shared_ptr<const upstream_dialect> make_dialect(backend_type type) {
  switch (type) {
    case backend_type::openai: return nullptr;
    case backend_type::anthropic: return std::make_shared<anthropic_dialect>();
    case backend_type::gemini:
    case backend_type::ollama: break;  // not read from config yet
  }
  return nullptr;
}

}  // namespace sy::backends
