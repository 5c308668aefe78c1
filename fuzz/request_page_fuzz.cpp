// Fuzz target: GET /api/requests' query string. Any bytes either parse into a page query within
// its limits (a positive row id or none, 1 to 500 rows, from <= to, a status range inside
// 100-999, filters on text columns only) or are refused with a message; nothing crashes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/usage_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::int64_t now_ms = 1'795'000'000'000;
  auto got = sy::usage_store::parse_request_page(in, now_ms);
  if (auto* why = std::get_if<std::string>(&got)) {
    if (why->empty()) std::abort();  // a refusal says why
    return 0;
  }
  const auto& q = std::get<sy::request_page_query>(got);
  if (q.before_id < 0 || q.limit < 1 || q.limit > sy::usage_store::max_page_rows) std::abort();
  if (q.from_ms > q.to_ms) std::abort();
  if (q.status_min > q.status_max || q.status_max > 999) std::abort();
  for (const auto& [name, value] : q.filters)
    if (name != "key" && name != "route" && name != "backend" && name != "model" && name != "requested_model" &&
        name != "endpoint")
      std::abort();
  return 0;
}
