#include "http/error_body.h"

#include <boost/json.hpp>

#include "http/server.h"

namespace sy::http {

std::string error_body(std::string_view message, std::string_view type, std::string_view code) {
  boost::json::object err;
  err["message"] = message;
  err["type"] = type;
  err["param"] = nullptr;
  if (code.empty())
    err["code"] = nullptr;
  else
    err["code"] = code;
  boost::json::object root;
  root["error"] = std::move(err);
  return boost::json::serialize(root);
}

std::string error_body(const exchange& ex, unsigned status, std::string_view message, std::string_view type,
                       std::string_view code) {
  if (ex.error_format) return ex.error_format(status, message, type, code);
  return error_body(message, type, code);
}

}  // namespace sy::http
