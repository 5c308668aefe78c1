#include "store/local_model_json.h"
#include "core/local_backend_name.h"

#include <boost/json.hpp>

namespace sy::store {

boost::json::object to_json(const local_model& m) {
  boost::json::array files;
  for (const auto& f : m.files) files.emplace_back(f);
  return {{"name", m.name},
          {"id", local_model_id(m.name)},
          {"path", m.path},
          {"files", std::move(files)},
          {"size_bytes", m.size_bytes},
          {"source", m.source},
          {"sha256", m.sha256},
          {"added", m.added},
          {"in_store", m.in_store},
          {"architecture", m.architecture},
          {"quantization", m.quantization},
          {"size_label", m.size_label},
          {"parameters", m.parameters},
          {"context_length", m.context_length},
          {"embedding", m.embedding}};
}

}  // namespace sy::store
