#pragma once
// One JSON spelling of a local model, shared by `switchyard ls --json` and GET /api/models.
#include <boost/json/object.hpp>

#include "store/local_model.h"

namespace sy::store {

// {"name", "id": "local/<name>", "path", "files", "size_bytes", "source", "sha256", "added",
//  "in_store", "architecture", "quantization", "size_label", "parameters", "context_length",
//  "embedding"}
boost::json::object to_json(const local_model& m);

}  // namespace sy::store
