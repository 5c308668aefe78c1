// Routing's one-pass reader of a request body (router/request_fields.cpp) on any bytes: never
// crashes, and reads what the same rules read from a JSON tree (the same fields or the same error).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../tests/support/request_fields_tree_oracle.h"
#include "router/request_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (std::string_view path : {"/chat/completions", "/embeddings"}) {
    boost::system::error_code fast_ec, tree_ec;
    auto fast = sy::read_request_fields(body, path, fast_ec);
    auto tree = sy::test::request_fields_from_tree(body, path, tree_ec);
    if (fast_ec != tree_ec || !sy::test::same_fields(fast, tree)) std::abort();
  }
  return 0;
}
