#include "hub/hub_answers.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "hub/hub_error.h"
#include "hub/hub_file_url.h"

namespace sy::hub {
namespace json = boost::json;

namespace {

json::value parse_json(std::string_view body) {
  json::parse_options po;
  po.max_depth = 32;
  boost::system::error_code ec;
  auto v = json::parse(body, ec, {}, po);
  if (ec) throw hub_error("the hub's answer is not valid JSON (" + ec.message() + ")");
  return v;
}

// Typed, bounded field access on untrusted objects.
std::optional<std::string> str_field(const json::object& o, std::string_view key, size_t max_len) {
  auto* v = o.if_contains(key);
  auto* s = v ? v->if_string() : nullptr;
  if (!s || s->size() > max_len) return std::nullopt;
  return std::string(*s);
}

std::optional<uint64_t> u64_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (auto* u = v->if_uint64()) return *u;
  if (auto* i = v->if_int64(); i && *i >= 0) return uint64_t(*i);
  return std::nullopt;
}

bool gated_field(const json::object& o) {
  auto* v = o.if_contains("gated");
  if (!v) return false;
  if (auto* b = v->if_bool()) return *b;
  return v->is_string();  // "auto" | "manual"
}

bool is_hex(std::string_view s, size_t len) {
  return s.size() == len &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr size_t max_siblings = 100000;
constexpr size_t max_path = 1024;

}  // namespace

std::vector<search_hit> parse_search_answer(std::string_view body) {
  auto v = parse_json(body);
  auto* list = v.if_array();
  if (!list) throw hub_error("the hub's search answer is not a list");
  std::vector<search_hit> out;
  for (const auto& e : *list) {
    auto* o = e.if_object();
    if (!o) continue;
    auto id = str_field(*o, "id", 200);
    if (!id || !valid_repo_id(*id)) continue;
    search_hit h;
    h.id = *id;
    h.downloads = u64_field(*o, "downloads").value_or(0);
    h.likes = u64_field(*o, "likes").value_or(0);
    h.updated = str_field(*o, "lastModified", 64).value_or("");
    h.gated = gated_field(*o);
    if (auto* sib = o->if_contains("siblings"); sib && sib->is_array()) {
      for (const auto& s : sib->get_array()) {
        if (h.gguf_files.size() >= 1000) break;
        auto* so = s.if_object();
        auto name = so ? str_field(*so, "rfilename", max_path) : std::nullopt;
        if (name && lower(*name).ends_with(".gguf")) h.gguf_files.push_back(*name);
      }
    }
    out.push_back(std::move(h));
    if (out.size() >= 100) break;
  }
  return out;
}

repo_listing parse_repo_answer(std::string_view body, std::string_view repo_id) {
  auto v = parse_json(body);
  auto* o = v.if_object();
  if (!o) throw hub_error("the hub's answer for " + std::string(repo_id) + " is not an object");
  repo_listing out;
  out.id = std::string(repo_id);
  auto sha = str_field(*o, "sha", 40);
  out.revision = sha && is_hex(*sha, 40) ? *sha : "main";
  out.gated = gated_field(*o);
  auto* sib = o->if_contains("siblings");
  if (!sib || !sib->is_array()) throw hub_error("the hub's answer for " + out.id + " lists no files");
  for (const auto& s : sib->get_array()) {
    if (out.files.size() >= max_siblings) break;
    auto* so = s.if_object();
    if (!so) continue;
    auto name = str_field(*so, "rfilename", max_path);
    if (!name || name->empty()) continue;
    repo_file f;
    f.path = *name;
    auto size = u64_field(*so, "size");
    if (auto* lfs = so->if_contains("lfs"); lfs && lfs->is_object()) {
      const auto& lo = lfs->get_object();
      auto oid = str_field(lo, "sha256", 64);
      if (oid && is_hex(lower(*oid), 64)) f.sha256 = lower(*oid);
      if (auto ls = u64_field(lo, "size")) size = ls;
    }
    if (!size) continue;  // without a size nothing can be checked
    f.size = *size;
    out.files.push_back(std::move(f));
  }
  return out;
}

}  // namespace sy::hub
