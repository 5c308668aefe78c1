#include "hub/gguf_catalog.h"

#include <algorithm>
#include <array>
#include <map>
#include <regex>
#include <set>

#include "core/close_matches.h"
#include "core/human_units.h"
#include "hub/hub_error.h"

namespace sy::hub {
namespace {

constexpr std::array<std::string_view, 7> preference = {"Q4_K_M", "Q4_K_S", "Q5_K_M", "Q4_0", "Q5_K_S", "Q6_K", "Q8_0"};

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool ends_with_gguf(std::string_view s) {
  return s.size() > 5 && upper(s.substr(s.size() - 5)) == ".GGUF";
}

// "<stem>-00001-of-00003.gguf": the stem, part number and count.
struct split_name {
  std::string stem;
  unsigned part = 0, count = 0;
};
std::optional<split_name> split_of(const std::string& path) {
  static const std::regex re(R"(^(.*)-([0-9]{5})-of-([0-9]{5})\.gguf$)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(path, m, re)) return std::nullopt;
  split_name s{m[1].str(), unsigned(std::stoul(m[2].str())), unsigned(std::stoul(m[3].str()))};
  if (s.part == 0 || s.count == 0 || s.part > s.count) return std::nullopt;
  return s;
}

int preference_rank(std::string_view quant) {
  for (size_t i = 0; i < preference.size(); ++i)
    if (preference[i] == quant) return int(i);
  return int(preference.size());
}

}  // namespace

std::string quant_of(std::string_view file_name) {
  std::string name = upper(base_name(file_name));
  if (name.size() > 512) return "";
  if (ends_with_gguf(name)) name.resize(name.size() - 5);
  if (auto s = split_of(name + ".GGUF")) name = upper(s->stem);
  static const std::regex re(
      R"((?:^|[-._])(I?Q[1-8](?:_[0-9A-Z]{1,3})*|TQ[12]_0|BF16|FP16|FP32|F16|F32|MXFP4(?:_MOE)?)(?=$|[-._]))");
  std::string last;
  for (auto it = std::sregex_iterator(name.begin(), name.end(), re); it != std::sregex_iterator(); ++it)
    last = (*it)[1].str();
  if (last == "FP16") return "F16";
  if (last == "FP32") return "F32";
  return last;
}

std::vector<gguf_entry> group_gguf_files(const std::vector<repo_file>& files, std::vector<std::string>* notes) {
  std::vector<gguf_entry> out;
  std::map<std::pair<std::string, unsigned>, std::map<unsigned, repo_file>> splits;  // (stem, count) -> parts
  for (const auto& f : files) {
    if (!ends_with_gguf(f.path)) continue;
    if (auto s = split_of(f.path)) {
      splits[{s->stem, s->count}][s->part] = f;
      continue;
    }
    gguf_entry e;
    e.path = f.path;
    e.parts = {f};
    e.size = f.size;
    out.push_back(std::move(e));
  }
  for (auto& [key, parts] : splits) {
    if (parts.size() != key.second) {
      if (notes)
        notes->push_back(key.first + ": split into " + std::to_string(key.second) + " parts, but " +
                         std::to_string(parts.size()) + " are listed; left out");
      continue;
    }
    gguf_entry e;
    for (auto& [n, f] : parts) {
      if (e.size > UINT64_MAX - f.size) throw hub_error("file sizes overflow");
      e.size += f.size;
      e.parts.push_back(f);
    }
    e.path = e.parts.front().path;
    out.push_back(std::move(e));
  }
  for (auto& e : out) {
    e.quant = quant_of(e.path);
    e.mmproj = upper(base_name(e.path)).find("MMPROJ") != std::string::npos;
  }
  std::sort(out.begin(), out.end(), [](const gguf_entry& a, const gguf_entry& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> quantizations_on_offer(const std::vector<std::string>& names) {
  std::set<std::string> seen;
  for (const auto& n : names)
    if (upper(base_name(n)).find("MMPROJ") == std::string::npos)
      if (auto q = quant_of(n); !q.empty()) seen.insert(q);
  std::vector<std::string> out(seen.begin(), seen.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return preference_rank(a) < preference_rank(b); });
  return out;
}

std::string describe_entries(const std::vector<gguf_entry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    std::string q = e.mmproj ? "mmproj" : e.quant.empty() ? "?" : e.quant;
    out += "  " + q + std::string(q.size() < 10 ? 10 - q.size() : 1, ' ') + human_bytes(e.size) + "  " + e.path;
    if (e.parts.size() > 1) out += " (" + std::to_string(e.parts.size()) + " parts)";
    out += "\n";
  }
  return out;
}

const gguf_entry& choose_entry(const std::vector<gguf_entry>& entries, std::string_view selector,
                               std::string_view repo_id) {
  std::string repo(repo_id);
  if (entries.empty()) throw hub_error(repo + " has no GGUF files", 404);
  auto on_offer = [&] { return "; on offer:\n" + describe_entries(entries); };
  if (selector.empty()) {
    const gguf_entry* best = nullptr;
    for (const auto& e : entries) {
      if (e.mmproj) continue;
      if (!best) {
        best = &e;
        continue;
      }
      int re = preference_rank(e.quant), rb = preference_rank(best->quant);
      if (re < rb || (re == rb && re == int(preference.size()) && e.size < best->size)) best = &e;
    }
    if (!best) throw hub_error(repo + " has only multimodal projector files" + on_offer(), 404);
    return *best;
  }
  if (ends_with_gguf(selector)) {
    for (const auto& e : entries)
      for (const auto& p : e.parts)
        if (p.path == selector) return e;
    std::vector<const gguf_entry*> hits;  // case-insensitive, or the file name alone
    for (const auto& e : entries)
      for (const auto& p : e.parts)
        if (upper(p.path) == upper(selector) || upper(base_name(p.path)) == upper(selector)) {
          hits.push_back(&e);
          break;
        }
    if (hits.size() == 1) return *hits.front();
    throw hub_error(std::string(hits.empty() ? "no file " : "more than one file matches ") + std::string(selector) +
                        " in " + repo + on_offer(),
                    hits.empty() ? 404 : 400);
  }
  std::string want = upper(selector);
  std::vector<const gguf_entry*> hits;
  for (const auto& e : entries)
    if (!e.mmproj && e.quant == want) hits.push_back(&e);
  if (hits.size() == 1) return *hits.front();
  if (hits.size() > 1)
    throw hub_error("more than one " + want + " file in " + repo + ": name one as " + repo + ":<file>" + on_offer(),
                    400);
  std::vector<std::string> quants;
  for (const auto& e : entries)
    if (!e.quant.empty()) quants.push_back(e.quant);
  std::string msg = "no " + want + " file in " + repo;
  auto close = close_matches(want, quants, 1);
  if (!close.empty()) msg += " (did you mean " + close.front() + "?)";
  throw hub_error(msg + on_offer(), 404);
}

}  // namespace sy::hub
