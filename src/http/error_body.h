#pragma once
#include <string>
#include <string_view>

#include "core/error_types.h"

namespace sy::http {

// An OpenAI-style error body:
//   {"error":{"message":...,"type":...,"param":null,"code":...}}
// `type` follows OpenAI's vocabulary (invalid_request_error, authentication_error,
// not_found_error, rate_limit_error, api_error, upstream_error); `code` may be empty (-> null).
std::string error_body(std::string_view message, std::string_view type, std::string_view code = {});

struct exchange;
// The same in the format of the exchange's client (exchange::error_format), OpenAI's by default.
std::string error_body(const exchange& ex, unsigned status, std::string_view message, std::string_view type,
                       std::string_view code = {});

}  // namespace sy::http
