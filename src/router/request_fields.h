#pragma once
// What routing reads from an OpenAI-format request body — the model, "stream", "user" and what
// the request needs of a target (request_needs) — in one pass over the bytes, without building a
// JSON tree: every request the gateway relays goes through it. A repeated member counts as its
// last occurrence, as in a JSON tree.
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "router/model_capabilities.h"

namespace sy {

struct request_fields {
  bool is_object = false;            // the body is a JSON object
  std::optional<std::string> model;  // set when "model" is a string (possibly empty)
  bool stream = false;               // "stream": true
  std::string user;                  // a string "user": its first 256 bytes
  request_needs needs;               // chat / embeddings from the path; tools, images, a prompt estimate
};

// Reads `body`, a request to `path` ("/chat/completions", "/embeddings", ...). Invalid JSON sets
// `ec` to the error json::parse gives for the same bytes, and returns nothing read.
request_fields read_request_fields(std::string_view body, std::string_view path, boost::system::error_code& ec);

}  // namespace sy
