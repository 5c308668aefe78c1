// Fuzz target: rewriting the model of a client's JSON body must keep it valid JSON, set the
// top-level model, and never read out of bounds.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/json_field.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  boost::json::error_code ec;
  auto v = boost::json::parse(in, ec);
  if (ec || !v.is_object()) return 0;  // the gateway rewrites only validated objects
  bool has_model = v.as_object().contains("model");
  auto out = sy::api::replace_top_level_string(in, "model", "fuzz/\"model\"\n");
  auto w = boost::json::parse(out, ec);
  if (ec || !w.is_object()) std::abort();
  if (has_model && w.as_object().at("model") != boost::json::value("fuzz/\"model\"\n")) std::abort();
  if (!has_model && out != in) std::abort();
  return 0;
}
