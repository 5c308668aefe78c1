#include "server/local_discovery.h"

#include <fmt/format.h>

#include "backends/openai_compat/openai_backend.h"
#include "core/discovery.h"
#include "core/version.h"
#include "http/pch.h"
#include "http/upstream_client.h"
#include "http/url.h"

namespace sy {

namespace {

namespace json = boost::json;

// Whether `body` is what this kind of server answers to its probe.
bool answers_like(const local_server_kind& kind, const std::string& body) {
  if (kind.type == backend_type::ollama) {
    json::error_code ec;
    auto v = json::parse(body, ec);
    return !ec && v.is_object() && v.as_object().contains("version");
  }
  return std::holds_alternative<model_listing>(backends::parse_openai_model_list(body));
}

// GET <probe path>, with short timeouts.
http::outbound_request probe_request(const local_server_kind& kind) {
  http::outbound_request req;
  req.method = http::bhttp::verb::get;
  req.target = kind.probe_path;
  req.headers.emplace_back("accept", "application/json");
  req.headers.emplace_back("user-agent", fmt::format("switchyard/{}", version));
  req.timeouts.connect = std::chrono::milliseconds(300);
  req.timeouts.first_byte = req.timeouts.idle = std::chrono::seconds(1);
  return req;
}

}  // namespace

http::net::awaitable<std::vector<backend_config>> probe_local_servers(http::upstream_pool& pool,
                                                                      unsigned short own_port) {
  std::vector<backend_config> found;
  for (const auto& kind : local_server_kinds()) {
    if (kind.port == own_port) continue;
    auto url = http::parse_base_url(fmt::format("http://127.0.0.1:{}", kind.port));
    if (!url) continue;
    auto req = probe_request(kind);
    auto got = co_await http::fetch(pool, *url, req, 4 << 20);
    auto* f = std::get_if<http::fetched>(&got);
    if (!f || f->status != 200 || !answers_like(kind, f->body)) continue;
    backend_config b;
    b.name = kind.name;
    b.type = kind.type;
    b.url = kind.url;
    b.discovered = fmt::format("found on 127.0.0.1:{}", kind.port);
    found.push_back(std::move(b));
  }
  co_return found;
}

}  // namespace sy
