// Fuzz target: GET /api/usage's query string. Any bytes either parse into a query within its
// limits (a known bucket, known group columns, from <= to, at most 400 days) or are refused
// with a message; nothing crashes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/usage_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::int64_t now_ms = 1'795'000'000'000;
  auto got = sy::usage_store::parse_usage_query(in, now_ms);
  if (auto* why = std::get_if<std::string>(&got)) {
    if (why->empty()) std::abort();  // a refusal says why
    return 0;
  }
  const auto& q = std::get<sy::usage_query>(got);
  if (q.from_ms > q.to_ms) std::abort();
  if (q.to_ms - q.from_ms > std::int64_t{401} * 24 * 3600 * 1000) std::abort();
  if (!q.bucket.empty() && q.bucket != "minute" && q.bucket != "hour" && q.bucket != "day") std::abort();
  for (const auto& g : q.group_by)
    if (g != "key" && g != "route" && g != "backend" && g != "model" && g != "requested_model" && g != "endpoint" &&
        g != "status")
      std::abort();
  return 0;
}
