#include "hub/hub_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <thread>

#include "hub/gguf_catalog.h"
#include "hub/hub_error.h"
#include "hub/hub_file_url.h"
#include "hub/hub_http.h"

namespace sy::hub {
namespace json = boost::json;
namespace urls = boost::urls;

hub_options hub_options::from_environment() {
  hub_options o;
  o.endpoint = hub_endpoint();
  if (const char* t = std::getenv("HF_TOKEN"); t && *t) o.token = t;
  return o;
}

void hub_options::wait(std::chrono::milliseconds d) const {
  if (sleep)
    sleep(d);
  else
    std::this_thread::sleep_for(d);
}

bool valid_repo_id(std::string_view id) {
  auto slash = id.find('/');
  if (slash == std::string_view::npos) return false;
  return is_plain_name(id.substr(0, slash)) && is_plain_name(id.substr(slash + 1));
}

namespace {

constexpr int max_redirects = 5;

// The body of a 200 answer, after redirects and 429 retries. Throws hub_error.
std::string get_body(const hub_options& opt, const std::string& url, std::string_view what) {
  for (int attempt = 0;; ++attempt) {
    http_target t = parse_target(url);
    get_options go;
    go.timeout = opt.timeout;
    go.user_agent = opt.user_agent;
    go.bearer_token = opt.token;
    go.accept = "application/json";
    http_reply r;
    for (int hop = 0;; ++hop) {
      r = get(t, go, opt.max_body, true);
      if (!is_redirect(r.status)) break;
      if (hop >= max_redirects) throw hub_error("too many redirects");
      if (r.location.empty()) throw hub_error("redirect without a Location");
      t = follow_redirect(t, r.location);
    }
    if (r.status == 429) {
      auto after = parse_retry_after(r.retry_after).value_or(std::chrono::seconds(1 << std::min(attempt, 5)));
      if (attempt >= opt.max_retries)
        throw hub_error("HTTP 429: rate limited by the hub (gave up after " + std::to_string(attempt + 1) +
                            " tries); try again later",
                        429);
      if (after > opt.max_retry_after)
        throw hub_error("HTTP 429: rate limited by the hub, which asks to wait " + std::to_string(after.count()) +
                            " s; try again later",
                        429);
      opt.wait(after);
      continue;
    }
    if (r.status != 200) throw hub_error(status_message(r.status, opt.token.has_value(), what), int(r.status));
    if (!r.has_body)
      throw hub_error("the hub's answer is larger than " + std::to_string(opt.max_body) + " bytes; refusing it");
    return std::move(r.body);
  }
}

json::value parse_json(const std::string& body) {
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

std::vector<search_hit> search_models(const hub_options& opt, const search_query& q) {
  if (q.text.size() > 256) throw hub_error("search text longer than 256 characters");
  std::string sort = q.sort == "updated" ? "lastModified" : q.sort;
  if (sort != "downloads" && sort != "likes" && sort != "lastModified")
    throw hub_error("unknown sort order " + q.sort + " (downloads, likes or updated)");
  urls::url u = urls::parse_uri(opt.endpoint + "/api/models").value();
  u.params().append({"search", q.text});
  u.params().append({"filter", "gguf"});
  u.params().append({"sort", sort});
  u.params().append({"direction", "-1"});
  u.params().append({"limit", std::to_string(std::clamp(q.limit, 1u, 100u))});
  u.params().append({"full", "true"});
  auto v = parse_json(get_body(opt, std::string(u.buffer()), "page"));
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

repo_listing list_repo(const hub_options& opt, std::string_view repo_id) {
  if (!valid_repo_id(repo_id)) throw hub_error("not a repository name (owner/repo): " + std::string(repo_id));
  auto v =
      parse_json(get_body(opt, opt.endpoint + "/api/models/" + std::string(repo_id) + "?blobs=true", "repository"));
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

json::object search_json(const search_query& q, const std::vector<search_hit>& hits) {
  json::array models;
  for (const auto& h : hits) {
    json::array files, quants;
    for (const auto& f : h.gguf_files) files.emplace_back(f);
    for (const auto& qn : quantizations_on_offer(h.gguf_files)) quants.emplace_back(qn);
    models.push_back(json::object{{"id", h.id},
                                  {"downloads", h.downloads},
                                  {"likes", h.likes},
                                  {"updated", h.updated},
                                  {"gated", h.gated},
                                  {"quantizations", std::move(quants)},
                                  {"files", std::move(files)}});
  }
  return json::object{{"query", q.text}, {"sort", q.sort}, {"models", std::move(models)}};
}

}  // namespace sy::hub
