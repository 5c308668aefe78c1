#include "server/dashboard.h"

#include <boost/algorithm/string/predicate.hpp>

namespace sy::dashboard {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token, parameters) for each comma-separated element of a header list.
template <class F>
void for_each_element(std::string_view list, F f) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view element = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    auto semi = element.find(';');
    std::string_view token = trim(element.substr(0, semi));
    std::string_view params = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
    if (!token.empty()) f(token, params);
  }
}

// Whether the parameters of a list element say q=0 (the coding or type is refused).
bool refused(std::string_view params) {
  while (!params.empty()) {
    auto semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') continue;
    std::string_view v = p.substr(2);  // q=0, 0.0, 0.000 refuse; anything else accepts
    if (v.empty() || v.front() != '0') return false;
    v.remove_prefix(1);
    return v.empty() || (v.front() == '.' && v.find_first_not_of('0', 1) == std::string_view::npos);
  }
  return false;
}

bool accepts(std::string_view accept_encoding, std::string_view coding) {
  bool yes = false;
  for_each_element(accept_encoding, [&](std::string_view token, std::string_view params) {
    if (boost::iequals(token, coding)) yes = !refused(params);
  });
  return yes;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  bool match = false;
  for_each_element(if_none_match, [&](std::string_view tag, std::string_view) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) match = true;
  });
  return match;
}

constexpr std::string_view index_path = "/ui/index.html";

}  // namespace

const asset* find(std::string_view path) {
  if (path == "/" || path == "/ui" || path == "/ui/") path = index_path;
  if (!path.starts_with("/ui/")) return nullptr;
  for (const auto& a : assets())
    if (a.path == path) return &a;
  return nullptr;
}

bool wants_html(std::string_view accept) {
  bool html = false;
  for_each_element(accept, [&](std::string_view type, std::string_view params) {
    if (boost::iequals(type, "text/html") && !refused(params)) html = true;
  });
  return html;
}

void add_security_headers(http::reply& r) {
  // connect-src 'self': the dashboard calls only this gateway's API (and its event stream);
  // img-src data: for the charts' canvases exported as images
  r.set("Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  r.set("X-Content-Type-Options", "nosniff");
  r.set("X-Frame-Options", "DENY");
  r.set("Referrer-Policy", "no-referrer");
  r.set("Cross-Origin-Opener-Policy", "same-origin");
}

http::reply serve(const asset& a, std::string_view accept_encoding, std::string_view if_none_match) {
  http::reply r;
  add_security_headers(r);
  r.set("Vary", "Accept-Encoding");
  r.set("ETag", a.etag);
  r.set("Cache-Control", a.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (!if_none_match.empty() && etag_matches(if_none_match, a.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.set("Content-Type", a.content_type);
  if (accepts(accept_encoding, "br")) {
    r.set("Content-Encoding", "br");
    r.body.assign(a.brotli);
  } else if (accepts(accept_encoding, "gzip")) {
    r.set("Content-Encoding", "gzip");
    r.body.assign(a.gzip);
  } else {
    r.body.assign(a.identity);
  }
  return r;
}

http::reply not_built() {
  http::reply r;
  add_security_headers(r);
  r.status = 200;
  r.set("Content-Type", "text/html; charset=utf-8");
  r.set("Cache-Control", "no-cache");
  r.body =
      "<!doctype html><title>Switchyard</title><p>Switchyard is running. This binary was built without its "
      "dashboard (configure with -DSWITCHYARD_UI=ON and Node.js); the API is under /v1 and /api.";
  return r;
}

}  // namespace sy::dashboard
