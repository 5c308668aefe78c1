#include "hub/hub_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <thread>

#include "hub/gguf_catalog.h"
#include "hub/hub_answers.h"
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
  return parse_search_answer(get_body(opt, std::string(u.buffer()), "page"));
}

repo_listing list_repo(const hub_options& opt, std::string_view repo_id) {
  if (!valid_repo_id(repo_id)) throw hub_error("not a repository name (owner/repo): " + std::string(repo_id));
  return parse_repo_answer(
      get_body(opt, opt.endpoint + "/api/models/" + std::string(repo_id) + "?blobs=true", "repository"), repo_id);
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
