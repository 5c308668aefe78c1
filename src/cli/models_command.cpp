// switchyard ls | rm NAME: the local model store (<home>/models and models.paths), with what a
// running server has loaded (GET /api/engines on the configured listen address, when it answers).
#include <iostream>
#include <map>
#include <optional>

#include <boost/json.hpp>

#include "cli/commands.h"
#include "cli/effective_config.h"
#include "cli/local_server.h"
#include "cli/text_table.h"
#include "core/close_matches.h"
#include "core/config_sources.h"
#include "core/human_units.h"
#include "core/local_backend_name.h"
#include "core/log.h"
#include "engine/loopback_get.h"
#include "store/local_model_json.h"
#include "store/model_library.h"
#include "store/store_error.h"

namespace sy::cli {
namespace {

// Loaded engines of the running server, model name -> state ("ready", "loading", ...);
// nullopt when no server answers on the configured listen address within a short timeout.
using engine_states = std::optional<std::map<std::string, std::string>>;

engine_states query_engines(const config& cfg) {
  auto server = configured_server(cfg);
  if (!server) return std::nullopt;
  auto r =
      engine::loopback_get(server->port, "/api/engines", std::chrono::milliseconds(1500), server->headers, 1 << 20);
  if (!r.ok()) return std::nullopt;
  boost::system::error_code ec;
  auto body = boost::json::parse(r.body, ec);
  const auto* obj = ec ? nullptr : body.if_object();
  const auto* list = obj && obj->contains("engines") ? obj->at("engines").if_array() : nullptr;
  if (!list) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& e : *list) {
    const auto* o = e.if_object();
    const auto* model = o && o->contains("model") ? o->at("model").if_string() : nullptr;
    if (!model) continue;
    std::string name(*model);
    if (auto store_name = local_store_name(name)) name = std::string(*store_name);
    const auto* state = o->contains("state") ? o->at("state").if_string() : nullptr;
    out[name] = state ? std::string(*state) : "loaded";
  }
  return out;
}

// The metadata's size label ("0.5B"), else the tensor element count ("494.03 M").
std::string params_cell(const store::local_model& m) {
  if (!m.size_label.empty()) return m.size_label;
  return m.parameters ? human_count(m.parameters) : "-";
}

std::string loaded_cell(const engine_states& engines, const std::string& name) {
  if (!engines) return "-";
  auto it = engines->find(name);
  return it == engines->end() ? "no" : it->second;
}

void print_models(const std::vector<store::local_model>& models, const engine_states& engines) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "SIZE", "QUANT", "PARAMS", "CONTEXT", "LOADED"}};
  for (const auto& m : models)
    rows.push_back({m.name, human_bytes(m.size_bytes), m.quantization.empty() ? "-" : m.quantization, params_cell(m),
                    m.context_length ? std::to_string(m.context_length) : "-", loaded_cell(engines, m.name)});
  cli::print_table(std::cout, rows);
}

boost::json::object model_json(const store::local_model& m, const engine_states& engines) {
  auto o = store::to_json(m);
  // loaded: null when no server answered; engine_state only while it has an engine.
  if (!engines) {
    o["loaded"] = nullptr;
  } else if (auto it = engines->find(m.name); it != engines->end()) {
    o["loaded"] = true;
    o["engine_state"] = it->second;
  } else {
    o["loaded"] = false;
  }
  return o;
}

struct ls_args {
  config_options config;
  bool json = false;
};

struct rm_args {
  config_options config;
  std::string name;
  bool force = false;
};

void rm_model(const rm_args& args) {
  auto cfg = effective_config(args.config, nullptr);
  auto lib = open_library(*cfg);
  auto m = lib.find(args.name);
  if (!m) {
    std::vector<std::string> names;
    for (const auto& x : lib.list()) names.push_back(x.name);
    std::string msg = "no local model named " + args.name;
    auto close = close_matches(args.name, names);
    for (size_t i = 0; i < close.size(); ++i) msg += (i == 0 ? "; did you mean " : ", ") + close[i];
    throw store::store_error(store::store_errc::not_found, msg + (close.empty() ? "" : "?"));
  }
  if (!m->in_store) lib.remove(m->name);  // throws registered_in_place with the explanation
  if (!args.force) {
    auto engines = query_engines(*cfg);
    if (engines && engines->contains(m->name)) {
      std::cerr << "error: " << m->name << " is loaded by the running server (" << engines->at(m->name)
                << "); unload it first, or use --force\n";
      throw CLI::RuntimeError(1);
    }
  }
  auto removed = lib.remove(m->name);
  std::cout << "deleted " << removed.name << " (" << human_bytes(removed.size_bytes) << ", " << removed.files.size()
            << (removed.files.size() == 1 ? " file)\n" : " files)\n");
}

// Runs a command body, turning the errors a user can act on into "error: ..." and exit status 1.
template <class F>
void reporting_errors(F&& body) {
  try {
    body();
  } catch (const config_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  } catch (const store::store_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_ls_command(CLI::App& app) {
  auto args = std::make_shared<ls_args>();
  auto* cmd = app.add_subcommand("ls", "List local models (the store and models.paths) and what the server has loaded");
  cmd->add_option("-c,--config", args->config.file, "YAML config file");
  cmd->add_option("-l,--listen", args->config.listen, "HOST:PORT of the server to ask what is loaded");
  cmd->add_flag("--json", args->json, "Print the models as JSON");
  cmd->callback([args] {
    init_logging("warn");
    reporting_errors([&] {
      auto cfg = effective_config(args->config, nullptr);
      auto lib = open_library(*cfg);
      auto models = lib.list();
      auto engines = query_engines(*cfg);
      if (args->json) {
        boost::json::array list;
        for (const auto& m : models) list.push_back(model_json(m, engines));
        std::cout << boost::json::serialize(boost::json::object{{"models", std::move(list)}}) << "\n";
        return;
      }
      print_models(models, engines);
      if (models.empty())
        std::cerr << "no local models: put GGUF files in " << lib.models_dir() << " or list them in models.paths\n";
    });
  });
}

void add_rm_command(CLI::App& app) {
  auto args = std::make_shared<rm_args>();
  auto* cmd = app.add_subcommand("rm", "Delete a model from the local store");
  cmd->add_option("name", args->name, "Model name, as `switchyard ls` shows it")->required();
  cmd->add_flag("-f,--force", args->force, "Delete even while the running server has it loaded");
  cmd->add_option("-c,--config", args->config.file, "YAML config file");
  cmd->add_option("-l,--listen", args->config.listen, "HOST:PORT of the server to ask what is loaded");
  cmd->callback([args] {
    init_logging("warn");
    reporting_errors([&] { rm_model(*args); });
  });
}

}  // namespace sy::cli
