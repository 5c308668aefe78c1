// switchyard run NAME [PROMPT]: chat with a model in the terminal, streaming. Through the running
// gateway when one answers at the configured address; else through a private one started for
// this command (its engines stop with it).
//
//   switchyard run qwen2.5-0.5b-instruct:q4_k_m               interactive, with history
//   switchyard run qwen2.5-0.5b-instruct:q4_k_m "Why is the sky blue?"   one answer
//   cat notes.txt | switchyard run NAME "Summarize:"          the prompt, then stdin
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <sstream>

#include <boost/json.hpp>

#include "cli/chat_stream.h"
#include "cli/commands.h"
#include "cli/effective_config.h"
#include "cli/local_server.h"
#include "core/config_sources.h"
#include "core/log.h"
#include "store/store_home.h"

namespace sy::cli {
namespace {

namespace json = boost::json;

struct run_options {
  config_options cfg;
  std::string model;
  std::vector<std::string> prompt;
  std::string system;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  bool verbose = false;
};

void print_help() {
  std::cout << "Type a message and press Enter. Commands: /clear (forget the conversation), /bye (quit), /help.\n";
}

int run(const run_options& o) {
  init_logging("warn");
  std::shared_ptr<const config> cfg;
  try {
    cfg = effective_config(o.cfg, nullptr);
  } catch (const config_error& e) {
    std::cerr << "switchyard run: " << e.what() << "\n";
    return 2;
  }
  // The gateway: the running one, else our own.
  std::unique_ptr<private_server> own;
  std::optional<server_endpoint> endpoint;
  try {
    endpoint = running_or_private_server(*cfg, o.cfg.file, "run-gateway", own);
  } catch (const std::exception& e) {
    std::cerr << "switchyard run: " << e.what() << "\n";
    return 1;
  }

  json::object extra;
  if (o.max_tokens) extra["max_tokens"] = *o.max_tokens;
  if (o.temperature) extra["temperature"] = *o.temperature;
  json::array history;
  if (!o.system.empty()) history.push_back(json::object{{"role", "system"}, {"content", o.system}});

  auto ask = [&](const std::string& text) -> bool {
    history.push_back(json::object{{"role", "user"}, {"content", text}});
    auto r = stream_chat(endpoint->port, endpoint->headers, o.model, history, extra,
                         [](std::string_view piece) { std::cout << piece << std::flush; });
    std::cout << "\n";
    if (!r.ok) {
      std::cerr << "error: " << r.error << "\n";
      history.pop_back();  // the failed turn is not part of the conversation
      return false;
    }
    history.push_back(json::object{{"role", "assistant"}, {"content", r.text}});
    if (o.verbose && r.completion_tokens > 0) {
      double decode = r.total_s - r.first_token_s;
      std::cerr << "[" << r.prompt_tokens << " prompt tokens, " << r.completion_tokens << " generated; first token "
                << int(r.first_token_s * 1000) << " ms";
      if (r.completion_tokens >= 8 && decode > 0.05)  // a rate from a few tokens in one burst means nothing
        std::cerr << "; " << int(double(r.completion_tokens - 1) / decode) << " tokens/s";
      std::cerr << "; " << r.finish_reason << "]\n";
    }
    return true;
  };

  std::string prompt;
  for (const auto& p : o.prompt) prompt += (prompt.empty() ? "" : " ") + p;
  const bool piped = !::isatty(STDIN_FILENO);
  if (piped) {
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (!input.empty()) prompt = prompt.empty() ? input : prompt + "\n\n" + input;
  }
  if (!prompt.empty() || piped) {
    if (prompt.empty()) {
      std::cerr << "switchyard run: nothing to ask (empty input)\n";
      return 2;
    }
    return ask(prompt) ? 0 : 1;
  }

  // Interactive: one line per turn, with the conversation so far.
  std::cerr << "Chatting with " << o.model << (own ? " (private gateway)" : "") << ". /help for commands.\n";
  for (;;) {
    std::cout << ">>> " << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    if (line == "/bye" || line == "/exit" || line == "/quit") break;
    if (line == "/help" || line == "/?") {
      print_help();
      continue;
    }
    if (line == "/clear") {
      history.clear();
      if (!o.system.empty()) history.push_back(json::object{{"role", "system"}, {"content", o.system}});
      std::cout << "(conversation cleared)\n";
      continue;
    }
    ask(line);
  }
  std::cout << "\n";
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<run_options>();
  auto* cmd = app.add_subcommand("run", "Chat with a model in the terminal (interactive, or one answer)");
  cmd->add_option("model", o->model, "Model: a local name (see 'switchyard ls'), local/<name>, or any model id")
      ->required();
  cmd->add_option("prompt", o->prompt, "Ask this and print the answer (stdin, when piped, is appended)");
  cmd->add_option("-c,--config", o->cfg.file, "YAML config file (default: $XDG_CONFIG_HOME/switchyard/config.yaml)");
  cmd->add_option("--system", o->system, "A system prompt");
  cmd->add_option("--max-tokens", o->max_tokens, "Stop after this many tokens")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--temperature", o->temperature, "Sampling temperature")->check(CLI::Range(0.0, 2.0));
  cmd->add_flag("-v,--verbose", o->verbose, "Print token counts and speed after each answer");
  cmd->callback([o] { std::exit(run(*o)); });
}

}  // namespace sy::cli
