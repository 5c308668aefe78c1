#pragma once
// The one status -> error-type table. The gateway's own errors and every OpenAI-shaped error
// body use it; Anthropic's writer narrows it to the types Anthropic defines.
#include <string_view>

namespace sy {

// 401 authentication_error, 403 permission_error, 404 not_found_error, 408 timeout_error,
// 413 request_too_large, 429 rate_limit_error, 502/504 upstream_error, 503/529 overloaded_error;
// otherwise api_error for 5xx and invalid_request_error below.
constexpr std::string_view error_type_for_status(unsigned status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 408: return "timeout_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 502:
    case 504: return "upstream_error";
    case 503:
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace sy
