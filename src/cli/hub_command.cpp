// switchyard search QUERY | pull owner/repo[:quant|:file]: GGUF models on the Hugging Face hub
// ($HF_ENDPOINT selects the hub, $HF_TOKEN opens gated repositories).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/effective_config.h"
#include "cli/text_table.h"
#include "core/config_sources.h"
#include "core/human_units.h"
#include "core/log.h"
#include "core/untrusted_text.h"
#include "gguf/gguf_error.h"
#include "hub/gguf_catalog.h"
#include "hub/hub_api.h"
#include "hub/hub_error.h"
#include "hub/model_pull.h"
#include "store/store_error.h"
#include "store/store_home.h"

namespace sy::cli {
namespace {

struct search_args {
  std::string query;
  unsigned limit = 20;
  std::string sort = "downloads";
  bool json = false;
};

struct pull_args {
  config_options config;
  std::string spec;
  unsigned jobs = 4;
  bool list = false;
};

// Runs a command body, turning the errors a user can act on into "error: ..." and exit status 1.
template <class F>
void reporting_hub_errors(F&& body) {
  try {
    body();
  } catch (const hub::hub_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  } catch (const store::store_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  } catch (const gguf::gguf_error& e) {
    std::cerr << "error: the downloaded file is not a valid GGUF model: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  } catch (const config_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  }
}

std::string count_cell(uint64_t n) {
  return n < 100000 ? std::to_string(n) : human_count(n);
}

void run_search(const search_args& a) {
  hub::search_query q{a.query, a.limit, a.sort};
  auto hits = hub::search_models(hub::hub_options::from_environment(), q);
  if (a.json) {
    std::cout << boost::json::serialize(hub::search_json(q, hits)) << "\n";
    return;
  }
  if (hits.empty()) {
    std::cout << "no GGUF repositories match \"" << a.query << "\"\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"REPOSITORY", "DOWNLOADS", "LIKES", "UPDATED", "QUANTIZATIONS"}};
  for (const auto& h : hits) {
    std::string quants;
    for (const auto& qn : hub::quantizations_on_offer(h.gguf_files)) {
      if (quants.size() > 60) {
        quants += " ...";
        break;
      }
      quants += (quants.empty() ? "" : " ") + qn;
    }
    rows.push_back({h.id + (h.gated ? " (gated)" : ""), count_cell(h.downloads), count_cell(h.likes),
                    h.updated.substr(0, 10), quants.empty() ? "-" : quants});
  }
  print_table(std::cout, rows);
  std::cout << "\nsizes are not part of search results: `switchyard pull REPO --list` shows the files and sizes\n";
}

// Ctrl-C stops a pull between blocks; the partial file stays for a resume.
std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) {
  interrupted.store(true);
}

std::string clock_text(double secs) {
  if (secs < 0 || secs > 99 * 3600) return "--:--";
  auto s = uint64_t(secs);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
                  (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%llu:%02llu", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
  return buf;
}

// A bar redrawn in place on a terminal; a line per 10% (or per 10 s) otherwise.
class progress_printer {
 public:
  explicit progress_printer(bool tty) : tty_(tty) {}
  void update(const hub::pull_progress& p) {
    auto now = std::chrono::steady_clock::now();
    const auto& b = p.bytes;
    double frac = b.total ? double(b.done) / double(b.total) : 1.0;
    std::string what = b.verifying   ? "verifying"
                       : p.parts > 1 ? "part " + std::to_string(p.part) + "/" + std::to_string(p.parts)
                                     : "pulling";
    if (tty_) {
      if (now - last_ < std::chrono::milliseconds(100) && b.done != b.total) return;
      last_ = now;
      int fill = int(frac * 30);
      std::string bar =
          std::string(size_t(fill), '=') + (fill < 30 ? ">" : "") + std::string(size_t(29 - std::min(fill, 29)), ' ');
      std::string eta = b.rate > 0 ? clock_text(double(b.total - b.done) / b.rate) : "--:--";
      std::fprintf(stderr, "\r%-10s [%s] %5.1f%% %s / %s  %s/s  ETA %s   ", what.c_str(), bar.c_str(), frac * 100,
                   human_bytes(b.done).c_str(), human_bytes(b.total).c_str(), human_bytes(uint64_t(b.rate)).c_str(),
                   eta.c_str());
      std::fflush(stderr);
      drawn_ = true;
      return;
    }
    int step = int(frac * 10);
    if (step == last_step_ && b.verifying == verifying_ && now - last_ < std::chrono::seconds(10)) return;
    last_step_ = step;
    verifying_ = b.verifying;
    last_ = now;
    std::cerr << what << " " << human_bytes(b.done) << " of " << human_bytes(b.total) << " (" << int(frac * 100) << "%)"
              << (b.verifying ? "" : ", " + human_bytes(uint64_t(b.rate)) + "/s") << "\n";
  }
  void line(const std::string& s) {
    end_bar();
    std::cerr << s << "\n";
  }
  void end_bar() {
    if (drawn_) std::fputs("\n", stderr);
    drawn_ = false;
  }

 private:
  bool tty_;
  bool drawn_ = false, verifying_ = false;
  int last_step_ = -1;
  std::chrono::steady_clock::time_point last_{};
};

void run_pull(const pull_args& a) {
  auto cfg = effective_config(a.config, nullptr);
  hub::pull_options opt;
  opt.hub = hub::hub_options::from_environment();
  opt.home = store::resolve_home(cfg->models.home, process_env());
  opt.jobs = a.jobs;
  if (a.list) {
    auto spec = hub::parse_pull_spec(a.spec);
    if (!spec) throw hub::hub_error("not a repository: " + a.spec + " (expected owner/repo)");
    auto listing = hub::list_repo(opt.hub, spec->repo);
    std::vector<std::string> notes;
    auto entries = hub::group_gguf_files(listing.files, &notes);
    for (const auto& n : notes) std::cerr << "note: " << terminal_safe(n) << "\n";
    if (entries.empty()) throw hub::hub_error(spec->repo + " has no GGUF files");
    // file names come from the hub: each line is shown terminal-safe
    std::cout << spec->repo << " (default: " << terminal_safe(hub::choose_entry(entries, "", spec->repo).path) << ")\n";
    auto described = hub::describe_entries(entries);
    for (std::size_t at = 0; at < described.size();) {
      auto end = std::min(described.find('\n', at), described.size());
      std::cout << terminal_safe(std::string_view(described).substr(at, end - at)) << "\n";
      at = end + 1;
    }
    return;
  }
  progress_printer printer(::isatty(STDERR_FILENO));
  opt.progress = [&](const hub::pull_progress& p) { printer.update(p); };
  opt.note = [&](const std::string& s) { printer.line(s); };
  opt.cancel = &interrupted;
  auto previous = std::signal(SIGINT, on_interrupt);
  try {
    auto r = hub::pull_model(a.spec, opt);
    std::signal(SIGINT, previous);
    printer.end_bar();
    std::cout << (r.transferred ? "pulled " : "already in the store: ") << r.model.name << " (" << human_bytes(r.size)
              << ", sha256 " << (r.sha256.empty() ? "unknown" : r.sha256.substr(0, 16) + "...") << ")\n  "
              << r.files.front() << "\n";
  } catch (...) {
    std::signal(SIGINT, previous);
    printer.end_bar();
    throw;
  }
}

}  // namespace

void add_search_command(CLI::App& app) {
  auto args = std::make_shared<search_args>();
  auto* cmd = app.add_subcommand("search", "Find GGUF models on the Hugging Face hub ($HF_ENDPOINT, $HF_TOKEN)");
  cmd->add_option("query", args->query, "Words to look for in repository names")->required();
  cmd->add_option("-n,--limit", args->limit, "How many repositories to show")->check(CLI::Range(1u, 100u));
  cmd->add_option("--sort", args->sort, "Order")->check(CLI::IsMember({"downloads", "likes", "updated"}));
  cmd->add_flag("--json", args->json, "Print the results as JSON");
  cmd->callback([args] {
    init_logging("warn");
    reporting_hub_errors([&] { run_search(*args); });
  });
}

void add_pull_command(CLI::App& app) {
  auto args = std::make_shared<pull_args>();
  auto* cmd = app.add_subcommand(
      "pull", "Download a GGUF model from the Hugging Face hub into the local store (resumable, verified)");
  cmd->add_option("model", args->spec, "owner/repo, owner/repo:QUANT (default Q4_K_M) or owner/repo:file.gguf")
      ->required();
  cmd->add_option("-j,--jobs", args->jobs, "Parallel connections for big files")->check(CLI::Range(1u, 16u));
  cmd->add_flag("--list", args->list, "List the repository's GGUF files and sizes; download nothing");
  cmd->add_option("-c,--config", args->config.file, "YAML config file (models.home)");
  cmd->callback([args] {
    init_logging("warn");
    reporting_hub_errors([&] { run_pull(*args); });
  });
}

}  // namespace sy::cli
