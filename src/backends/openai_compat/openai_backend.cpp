#include "backends/openai_compat/openai_backend.h"

#include <limits>

#include <fmt/format.h>

#include "api/sse_data.h"
#include "api/stream_end.h"
#include "api/utf8_text.h"
#include "backends/chat_answer.h"
#include "backends/openai_compat/openai_answer.h"
#include "backends/reported_usage.h"
#include "core/version.h"
#include "http/error_body.h"
#include "http/pch.h"
#include "http/relay.h"
#include "http/upstream_client.h"

namespace sy::backends {

namespace json = boost::json;
namespace bhttp = http::bhttp;
constexpr std::size_t max_buffered_response = 64 * 1024 * 1024;

openai_backend::openai_backend(const backend_config& cfg, std::shared_ptr<const upstream_dialect> dialect)
    : cfg_(cfg), dialect_(std::move(dialect)), scrubber_({cfg.api_key}) {
  std::string why;
  auto parsed = http::parse_base_url(cfg.url, &why);
  if (!parsed)
    throw config_error("backends", cfg.line,
                       fmt::format("backend '{}': url '{}': {}", cfg.name, without_url_credentials(cfg.url), why));
  url_ = std::move(*parsed);
}

std::string upstream_error_message(std::string_view body) {
  std::string msg;
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (auto* e = o.if_contains("error")) {
      if (e->is_object()) {
        if (auto* m = e->as_object().if_contains("message"); m && m->is_string()) msg = m->as_string();
      } else if (e->is_string()) {
        msg = e->as_string();
      }
    }
    if (msg.empty())
      if (auto* m = o.if_contains("message"); m && m->is_string()) msg = m->as_string();
  }
  if (msg.empty()) msg = api::utf8_prefix(body, 300);  // may be any bytes
  if (msg.size() > 300) msg = api::utf8_prefix(msg, 300) + "...";
  return msg;
}

namespace {

// The last event of an OpenAI stream that failed: `message` names the backend.
std::string openai_sse_error(std::string_view message) {
  return "data: " + http::error_body(message, "upstream_error", "upstream_stream_error") + "\n\n";
}

constexpr std::string_view unfinished_stream = "the upstream's stream ended before its last event";

// Watches a stream relayed as the upstream sent it for its own last event (see upstream_dialect).
struct relayed_end_watch {
  const upstream_dialect* dialect;  // null: OpenAI's SSE, or NDJSON lines (Ollama's) when `lines`
  bool lines;
  bool ended = false;
  void see(std::string_view payload) {
    if (ended) return;
    ended = dialect ? dialect->relayed_payload_ends_stream(payload)
            : lines ? api::ollama_line_ends_stream(payload)
                    : api::openai_payload_ends_stream(payload);
  }
};

void count_usage(const reported_usage& u, forward_outcome& out) {
  if (u.prompt_tokens) out.prompt_tokens = *u.prompt_tokens;
  if (u.completion_tokens) out.completion_tokens = *u.completion_tokens;
  if (u.cached_tokens) out.cached_tokens = *u.cached_tokens;
}

// The counts an upstream reported in one JSON document (an event, a line), if it is valid JSON.
void read_usage(std::string_view document, forward_outcome& out) {
  boost::system::error_code ec;
  auto u = read_reported_usage(document, ec);
  if (!ec) count_usage(u, out);
}

// Watches the whole events of an OpenAI stream as they are relayed: counts content events and
// reads the usage block when one comes (usually the last event before [DONE]).
void observe_events(std::string_view events, forward_outcome& out, relayed_end_watch* watch = nullptr) {
  api::for_each_sse_data(events, [&](std::string_view data) {
    if (watch) watch->see(data);
    if (data.find("\"content\":\"") != std::string_view::npos || data.find("\"text\":\"") != std::string_view::npos)
      ++out.stream_chunks;
    if (data.find("\"usage\":{") != std::string_view::npos) read_usage(data, out);
  });
}

// The same for whole NDJSON lines relayed as they are (an Ollama client of an Ollama backend):
// content lines are counted, and the final line's prompt_eval_count / eval_count are the usage.
void observe_lines(std::string_view lines, forward_outcome& out, relayed_end_watch& watch) {
  api::for_each_line(lines, [&](std::string_view line) {
    watch.see(line);
    if (line.find("\"content\":\"") != std::string_view::npos || line.find("\"response\":\"") != std::string_view::npos)
      ++out.stream_chunks;
    if (line.find("\"eval_count\"") != std::string_view::npos) read_usage(line, out);
  });
}

// Whether an upstream 400 says the prompt is longer than the model's context (OpenAI's
// context_length_exceeded, vLLM's and llama-server's wording).
bool is_context_overflow(std::string_view body) {
  for (std::string_view needle : {"context_length_exceeded", "maximum context length", "exceeds the available context",
                                  "exceed_context_size", "context size", "too many tokens"})
    if (body.find(needle) != std::string_view::npos) return true;
  return false;
}

// Validates a JSON response body and picks up its usage, in one pass without a JSON tree; returns
// what is wrong, or "". A body `translated` from another API's 2xx answer is an error object when
// that answer could not be read: its message is what is wrong.
std::string check_json_and_read_usage(const std::string& body, bool translated, forward_outcome& out) {
  boost::system::error_code ec;
  auto u = read_reported_usage(body, ec);
  if (ec) return ec.message();
  if (translated && u.has_error_member) return upstream_error_message(body);
  count_usage(u, out);
  return {};
}

// NDJSON (Ollama's streams): relayed line by line when a dialect translates it.
bool is_ndjson(std::string_view content_type) {
  for (std::string_view t : {"application/x-ndjson", "application/ndjson"})
    if (boost::beast::iequals(content_type.substr(0, t.size()), t)) return true;
  return false;
}

}  // namespace

http::net::awaitable<forward_outcome> openai_backend::forward(http::exchange& ex, http::upstream_pool& pool,
                                                              upstream_send what, std::string_view model_id,
                                                              forward_options opt) {
  std::string path, body;
  std::optional<chat_answer> chat;                     // a canonical chat: its way back to the client
  std::unique_ptr<response_translator> from_upstream;  // a rewritten request's answer in OpenAI's words
  std::optional<upstream_dialect::refusal> refused;
  if (auto* c = std::get_if<canonical_chat>(&what)) {  // encoded once, for this upstream's wire
    auto encoded = dialect_ ? dialect_->chat(*c->request, c->model) : openai_chat(*c->request, c->model);
    if (auto* r = std::get_if<upstream_dialect::refusal>(&encoded)) {
      refused = std::move(*r);
    } else {
      auto& o = std::get<upstream_dialect::chat_outbound>(encoded);
      path = std::move(o.path);
      body = std::move(o.body);
      chat.emplace(std::move(o.answer), std::move(c->client));
      opt.translate = &*chat;
    }
  } else if (auto& r = std::get<relayed_request>(what); dialect_) {  // another API upstream: in its words
    auto rewritten = dialect_->request(r.path, r.body);
    if (auto* no = std::get_if<upstream_dialect::refusal>(&rewritten)) {
      refused = std::move(*no);
    } else {
      auto& o = std::get<upstream_dialect::outbound>(rewritten);
      path = std::move(o.path);
      body = std::move(o.body);
      from_upstream = std::move(o.answer);
    }
  } else {
    path = std::move(r.path);
    body = std::move(r.body);
  }
  if (refused) {
    forward_outcome out;
    out.status = refused->first;
    out.error = fmt::format("backend '{}': {}", cfg_.name, refused->second);
    co_await http::send_error(ex, out.status, out.error, "unsupported_by_backend");
    co_return out;
  }
  auto out = co_await post_and_relay(ex, pool, std::move(path), std::move(body), model_id, opt, from_upstream.get());
  co_return out;
}

http::net::awaitable<forward_outcome> openai_backend::post_and_relay(http::exchange& ex, http::upstream_pool& pool,
                                                                     std::string upstream_path, std::string body,
                                                                     std::string_view model_id, forward_options opt,
                                                                     response_translator* from_upstream) {
  forward_outcome out;
  http::outbound_request req;
  req.method = bhttp::verb::post;
  req.target = url_.path_prefix + upstream_path;
  req.headers.emplace_back("content-type", "application/json");
  auto accept = ex.fields.accept;
  req.headers.emplace_back("accept", accept.empty() ? "application/json" : std::string(accept));
  req.headers.emplace_back("user-agent", std::string("switchyard/") + version);
  req.headers.emplace_back("x-request-id", ex.request_id);
  if (dialect_)
    dialect_->add_headers(req.headers, cfg_.api_key);
  else if (!cfg_.api_key.empty())
    req.headers.emplace_back("authorization", "Bearer " + cfg_.api_key);
  req.body = std::move(body);
  req.timeouts = opt.timeouts;

  auto fail = [&](unsigned status, http::upstream_failure failure, std::string message,
                  std::string_view code) -> http::net::awaitable<forward_outcome> {
    out.status = status;
    out.failure = failure;
    out.error = std::move(message);
    if (opt.hold_failures) {
      out.held = true;
      co_return out;
    }
    co_await http::send_error(ex, status, out.error, code);
    co_return out;
  };

  auto opened = co_await http::open_upstream(pool, url_, req);
  if (auto* err = std::get_if<http::upstream_error>(&opened)) {
    bool timeout =
        err->failure == http::upstream_failure::first_byte_timeout || err->failure == http::upstream_failure::deadline;
    co_return co_await fail(
        timeout ? 504 : 502, err->failure,
        fmt::format("backend '{}' {}: {}", cfg_.name, timeout ? "timed out" : "is unreachable", err->detail),
        timeout ? "upstream_timeout" : "upstream_unreachable");
  }
  auto& up = std::get<http::upstream_response>(opened);
  unsigned status = up.status();
  // note: the head's fields live in up.parser, which reading the body moves from; copy what is
  // needed now
  const auto& up_headers = up.headers();
  std::string content_type(up_headers[bhttp::field::content_type]);
  std::string retry_after(up_headers[bhttp::field::retry_after]);
  bool event_stream = boost::beast::iequals(std::string_view(content_type).substr(0, 17), "text/event-stream");
  // how a streamed body is cut for its rewriters and observers: events, lines, or as it comes
  auto framing = event_stream              ? http::body_framing::sse
                 : is_ndjson(content_type) ? http::body_framing::ndjson
                                           : http::body_framing::raw;
  auto length = up.parser->content_length();

  http::reply res;
  res.status = status;
  res.headers.reserve(8);
  http::copy_passthrough_headers(up_headers, res.headers);
  res.headers.emplace_back("x-request-id", ex.request_id);
  res.headers.emplace_back("x-switchyard-backend", cfg_.name);
  res.headers.emplace_back("x-switchyard-model", model_id);

  // streams are relayed as they come; other bodies too, unless they must be rewritten whole
  const bool rewritten = from_upstream || opt.translate;
  if (status >= 200 && status < 300 &&
      (framing != http::body_framing::raw ||
       (!rewritten && (!length || up.parser->chunked() || *length > max_buffered_response)))) {
    out.status = status;
    auto backend_name = cfg_.name;
    const bool raw_lines = framing == http::body_framing::ndjson && !from_upstream && !opt.translate;
    const bool relayed = !from_upstream && !opt.translate;  // the upstream's own bytes reach the client
    auto on_error = [&](std::string_view detail) {
      auto m = scrubber_.scrub(std::string(detail));
      auto message = fmt::format("backend '{}' failed mid-stream: {}", backend_name, m);
      if (opt.translate) return opt.translate->stream_error(message);
      // a stream relayed as it is ends with its own API's error event (Anthropic's event: error,
      // Ollama's error line)
      if (relayed && dialect_) return dialect_->relayed_stream_error(message);
      if (raw_lines) return json::serialize(json::object{{"error", message}}) + "\n";
      return openai_sse_error(message);
    };
    relayed_end_watch watch{dialect_.get(), raw_lines};
    auto observe = [&](std::string_view events) {
      if (raw_lines)
        observe_lines(events, out, watch);
      else
        observe_events(events, out, relayed ? &watch : nullptr);
    };
    // a body that ends before its stream's own last event is a stream cut short, never a clean end
    auto cut_short = [&]() -> std::string {
      if (from_upstream) return from_upstream->stream_cut_short();
      if (opt.translate) return opt.translate->stream_cut_short();
      return watch.ended ? std::string() : std::string(unfinished_stream);
    };
    // upstream's API -> OpenAI's (observed there, for usage) -> the client's API
    http::body_rewriter rewrite;
    auto* up_rw = from_upstream;
    auto* client_rw = opt.translate;
    // a translator that reads the answer in canonical form counts it; else the relay watches
    const bool counted = client_rw && client_rw->counts_usage();
    if (up_rw || client_rw) {
      rewrite.piece = [up_rw, client_rw, &out](std::string_view events) {
        std::string openai = up_rw ? up_rw->stream_events(events) : std::string(events);
        if (up_rw) observe_events(openai, out);
        return client_rw ? client_rw->stream_events(openai) : openai;
      };
      rewrite.end = [up_rw, client_rw, &out] {
        std::string openai = up_rw ? up_rw->stream_end() : std::string();
        if (up_rw) observe_events(openai, out);
        if (!client_rw) return openai;
        // in this order: the upstream's last events (often the usage) before the client's end
        std::string last = openai.empty() ? std::string() : client_rw->stream_events(openai);
        return last + client_rw->stream_end();
      };
    }
    if (client_rw || up_rw)  // what the last translator writes (up_rw: OpenAI's SSE)
      for (auto& [name, value] : res.headers)
        if (boost::beast::iequals(name, "content-type"))
          value = std::string((client_rw ? client_rw : up_rw)->stream_content_type());
    const http::body_observer no_observer;
    auto r = co_await http::relay_stream(ex, res, pool, url_, up, framing, on_error,
                                         up_rw || counted ? no_observer : http::body_observer(observe),
                                         up_rw || client_rw ? &rewrite : nullptr, cut_short);
    if (counted) client_rw->tally(out);
    out.response_bytes = r.body_bytes;
    out.first_byte = r.first_byte;
    out.complete = r.complete;
    if (r.error.failure != http::upstream_failure::none) {
      out.failure = r.error.failure;
      out.error = fmt::format("backend '{}' failed mid-stream: {}", cfg_.name, scrubber_.scrub(r.error.detail));
    } else if (r.client_gone) {
      out.error = "client went away";
    }
    co_return out;
  }

  std::string upstream_body;
  http::upstream_error err;
  if (!co_await http::read_body(pool, url_, up, max_buffered_response, &upstream_body, &err))
    co_return co_await fail(502, err.failure, fmt::format("backend '{}' failed: {}", cfg_.name, err.detail),
                            "upstream_error");

  // an error may quote the key it was sent (OpenAI's 401 does): masked before anyone sees it
  if (status < 200 || status >= 300) upstream_body = scrubber_.scrub(std::move(upstream_body));
  if (from_upstream) upstream_body = from_upstream->body(status, upstream_body);  // in OpenAI's words
  if (status == 401 || status == 403 || status == 407) {
    // the gateway's key for this backend was refused: not the client's fault, and the
    // upstream's message may echo part of the key
    co_return co_await fail(
        502, http::upstream_failure::protocol,
        fmt::format("backend '{}' rejected the gateway's credentials (HTTP {}); check its api_key", cfg_.name, status),
        "upstream_auth_failed");
  }
  if (opt.hold_context_overflow && status == 400 && is_context_overflow(upstream_body)) {
    out.status = 400;
    out.held = true;
    out.context_overflow = true;
    out.error = fmt::format("backend '{}': the prompt does not fit the model's context: {}", cfg_.name,
                            upstream_error_message(upstream_body));
    co_return out;
  }
  if (opt.hold_failures && status == 408) {  // the upstream timed the request out: another may not
    out.status = 504;
    out.held = true;
    out.failure = http::upstream_failure::first_byte_timeout;
    out.error = fmt::format("backend '{}' timed the request out (HTTP 408)", cfg_.name);
    co_return out;
  }
  if (opt.hold_failures && status == 429) {  // rate-limited here: another target may have room
    out.status = 429;
    out.held = true;
    out.retry_after = retry_after;
    out.error =
        fmt::format("backend '{}' is rate-limited (HTTP 429): {}", cfg_.name, upstream_error_message(upstream_body));
    co_return out;
  }
  if (status >= 500) {
    out.failure = http::upstream_failure::protocol;
    out.error =
        fmt::format("backend '{}' failed with HTTP {}: {}", cfg_.name, status, upstream_error_message(upstream_body));
    out.retry_after = retry_after;
    if (opt.hold_failures) {
      out.status = 502;
      out.held = true;
      co_return out;
    }
    auto r =
        http::json_response(ex, 502, http::error_body(ex, 502, out.error, "upstream_error", "upstream_http_error"));
    if (!retry_after.empty()) r.set("Retry-After", retry_after);
    r.set("x-switchyard-backend", cfg_.name);
    out.status = 502;
    co_await http::send(ex, r);
    co_return out;
  }
  const bool counted = opt.translate && opt.translate->counts_usage();  // it reads the body itself
  if (!counted && status >= 200 && status < 300 && content_type.find("json") != std::string_view::npos) {
    if (auto problem = check_json_and_read_usage(upstream_body, from_upstream != nullptr, out); !problem.empty())
      co_return co_await fail(502, http::upstream_failure::protocol,
                              fmt::format("backend '{}' returned malformed JSON ({})", cfg_.name, problem),
                              "upstream_malformed_response");
  }
  res.body = opt.translate ? opt.translate->body(status, upstream_body) : std::move(upstream_body);
  if (counted) {
    if (auto problem = opt.translate->unreadable(); problem && status >= 200 && status < 300)
      co_return co_await fail(502, http::upstream_failure::protocol,
                              fmt::format("backend '{}' returned malformed JSON ({})", cfg_.name, *problem),
                              "upstream_malformed_response");
    opt.translate->tally(out);
  }
  if (opt.translate || from_upstream)  // translated: JSON whatever the upstream's error was
    for (auto& [name, value] : res.headers)
      if (boost::beast::iequals(name, "content-type")) value = "application/json";
  out.status = status;
  out.retry_after = retry_after;
  out.response_bytes = res.body.size();
  out.first_byte = std::chrono::steady_clock::now();
  co_await http::send(ex, res);
  co_return out;
}

http::outbound_request openai_backend::listing_request(bhttp::verb method, std::string target,
                                                       http::exchange_timeouts timeouts) const {
  http::outbound_request req;
  req.timeouts = timeouts;
  req.method = method;
  req.target = url_.path_prefix + target;
  req.headers.emplace_back("accept", "application/json");
  if (method == bhttp::verb::post) req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("user-agent", std::string("switchyard/") + version);
  if (dialect_)
    dialect_->add_headers(req.headers, cfg_.api_key);
  else if (!cfg_.api_key.empty())
    req.headers.emplace_back("authorization", "Bearer " + cfg_.api_key);
  return req;
}

http::net::awaitable<std::variant<model_listing, std::string>> openai_backend::list_models(
    http::upstream_pool& pool, http::exchange_timeouts timeouts,
    const std::map<std::string, model_capabilities>* known) const {
  auto req = listing_request(bhttp::verb::get, dialect_ ? dialect_->models_path() : std::string("/models"), timeouts);
  auto got = co_await http::fetch(pool, url_, req, 8 * 1024 * 1024);
  if (auto* err = std::get_if<http::upstream_error>(&got)) co_return err->detail;
  auto& f = std::get<http::fetched>(got);
  if (f.status != 200)
    co_return fmt::format("HTTP {}: {}", f.status, upstream_error_message(scrubber_.scrub(std::move(f.body))));
  auto listed = dialect_ ? dialect_->parse_models(f.body) : parse_openai_model_list(f.body);
  auto* listing = std::get_if<model_listing>(&listed);
  if (!known || !dialect_ || !listing) co_return listed;
  std::size_t asked = 0;
  for (std::size_t i = 0; i < listing->ids.size() && asked < max_detailed; ++i) {
    if (auto k = known->find(listing->ids[i]); k != known->end()) {  // a model's capabilities do not change
      listing->capabilities[k->first] = k->second;
      continue;
    }
    auto where = dialect_->model_details(listing->ids[i]);
    if (!where) break;
    ++asked;
    auto detail_req = listing_request(bhttp::verb::post, std::move(where->path), timeouts);
    detail_req.body = std::move(where->body);
    auto detail = co_await http::fetch(pool, url_, detail_req, 4 * 1024 * 1024);
    auto* d = std::get_if<http::fetched>(&detail);
    if (!d || d->status != 200) continue;
    if (auto caps = dialect_->parse_model_details(d->body); caps && caps->known())
      listing->capabilities[listing->ids[i]] = *caps;
  }
  co_return listed;
}

std::variant<model_listing, std::string> upstream_dialect::parse_models(std::string_view body) const {
  return parse_openai_model_list(body);
}

bool upstream_dialect::relayed_payload_ends_stream(std::string_view payload) const {
  return api::openai_payload_ends_stream(payload);
}

std::string upstream_dialect::relayed_stream_error(std::string_view message) const {
  return openai_sse_error(message);
}

namespace {

// What an OpenAI-style model entry says about the model, where it says anything.
model_capabilities entry_capabilities(const json::object& m) {
  model_capabilities caps;
  for (const char* key : {"max_model_len", "context_length"})
    if (auto* n = m.if_contains(key); n && n->is_int64() && n->as_int64() > 0) caps.context_length = n->as_int64();
  if (auto* arch = m.if_contains("architecture"); arch && arch->is_object())
    if (auto* in = arch->as_object().if_contains("input_modalities"); in && in->is_array()) {
      caps.vision = false;
      for (const auto& x : in->as_array()) caps.vision = *caps.vision || (x.is_string() && x.as_string() == "image");
    }
  if (auto* params = m.if_contains("supported_parameters"); params && params->is_array()) {
    caps.tools = false;
    for (const auto& x : params->as_array()) caps.tools = *caps.tools || (x.is_string() && x.as_string() == "tools");
  }
  return caps;
}

}  // namespace

std::variant<model_listing, std::string> parse_openai_model_list(std::string_view body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::string("malformed model list");
  const auto* data = v.as_object().if_contains("data");
  if (!data || !data->is_array()) return std::string("model list has no 'data' array");
  model_listing out;
  for (const auto& m : data->as_array()) {
    if (!m.is_object()) continue;
    auto* id = m.as_object().if_contains("id");
    if (!id || !id->is_string() || id->as_string().size() > 512) continue;
    out.ids.emplace_back(id->as_string());
    if (auto caps = entry_capabilities(m.as_object()); caps.known()) out.capabilities[out.ids.back()] = caps;
    if (out.ids.size() >= 10000) break;
  }
  return out;
}

}  // namespace sy::backends
