#pragma once
// An OpenAI-compatible upstream (OpenAI, vLLM, llama-server, LM Studio, LocalAI, ...): requests
// go out with the backend's own key and the upstream's model name; answers come back as they
// arrive. Client credentials and client-chosen hosts never reach the upstream.
//
// Threading: an openai_backend is immutable after construction and shared by all workers;
// forward() runs on the calling worker with that worker's pool.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "backends/answer_codec.h"
#include "backends/upstream.h"
#include "core/config.h"
#include "core/secret.h"
#include "http/server.h"
#include "http/upstream_client.h"
#include "http/upstream_pool.h"
#include "http/url.h"
#include "router/model_capabilities.h"

namespace sy::backends {

// How to talk to an upstream whose API is not OpenAI's (Anthropic, Gemini, Ollama). Chat
// requests are encoded for its wire from the canonical request, and its answers decoded into
// canonical form (chat()); other requests in OpenAI's format (embeddings) are rewritten on the way
// out and their answers back into OpenAI's (request()). Immutable; shared by workers.
class upstream_dialect {
 public:
  virtual ~upstream_dialect() = default;
  using refusal = std::pair<unsigned, std::string>;  // a status (400) and what the upstream cannot take
  struct outbound {
    std::string path;  // below the backend's URL, e.g. "/messages" (may carry a query)
    std::string body;
    std::unique_ptr<response_translator> answer;  // this request's answer in OpenAI's format; null: as it is
  };
  // An OpenAI-format request (`path` e.g. "/embeddings", the model already rewritten), or one in
  // the upstream's own API (its own path: relayed as it is).
  virtual std::variant<outbound, refusal> request(std::string_view path, std::string_view body) const = 0;
  struct chat_outbound {
    std::string path;
    std::string body;
    std::unique_ptr<answer_decoder> answer;  // reads this request's answer
  };
  // A chat request in the upstream's API, for its model `model`.
  virtual std::variant<chat_outbound, refusal> chat(const api::chat_request& request, std::string_view model) const = 0;
  // Credentials and version headers (never logged).
  virtual void add_headers(http::header_list& headers, const std::string& api_key) const = 0;
  // Where the upstream lists its models (GET, below the backend's URL), and the models in that
  // list (with what it says they can do) or what is wrong with it. The default reads OpenAI's
  // {"data":[{"id"}]}.
  virtual std::string models_path() const { return "/models"; }
  virtual std::variant<model_listing, std::string> parse_models(std::string_view body) const;
  // Where a listed model's details are (POST path and body), for upstreams whose list says
  // little (Ollama's /api/show); nullopt: the list is all there is. Reads what the details say.
  struct details_request {
    std::string path, body;
  };
  virtual std::optional<details_request> model_details(std::string_view) const { return std::nullopt; }
  virtual std::optional<model_capabilities> parse_model_details(std::string_view) const { return std::nullopt; }
  // A stream relayed as this upstream sent it (a client of the upstream's own API): whether one
  // whole payload (an SSE `data:`, or an NDJSON line) ends it, and the bytes that end it with an
  // error in that API's own form. The defaults are OpenAI's.
  virtual bool relayed_payload_ends_stream(std::string_view payload) const;
  virtual std::string relayed_stream_error(std::string_view message) const;
};

// The dialect of a backend type; null for OpenAI-compatible upstreams.
std::shared_ptr<const upstream_dialect> make_dialect(backend_type type);

// OpenAI's model list ({"data":[{"id"}]}): the ids, or what is wrong with it. Capabilities where
// the server names them: vLLM's max_model_len, OpenRouter-style context_length,
// architecture.input_modalities and supported_parameters.
std::variant<model_listing, std::string> parse_openai_model_list(std::string_view body);

class openai_backend : public upstream {
 public:
  // throws config_error for a bad URL; `dialect` null: the upstream speaks OpenAI's API
  explicit openai_backend(const backend_config& cfg, std::shared_ptr<const upstream_dialect> dialect = nullptr);

  const backend_config& config() const { return cfg_; }
  const http::base_url& url() const { return url_; }

  // POSTs the request (see upstream_send) and relays the answer to the client. Upstream 5xx and
  // credential failures become 502 naming this backend; other 4xx pass through. Never throws.
  http::net::awaitable<forward_outcome> forward(http::exchange& ex, http::upstream_pool& pool, upstream_send what,
                                                std::string_view model_id, forward_options opt = {});
  // (upstream) the same; the body or canonical request already names `model`.
  http::net::awaitable<forward_outcome> send(const sy::config&, http::exchange& ex, http::upstream_pool& pool,
                                             upstream_send what, std::string_view, std::string_view model_id,
                                             forward_options opt) override {
    return forward(ex, pool, std::move(what), model_id, opt);
  }

  // The upstream's model ids, or an error message. Also the active health check (with short
  // timeouts). `known` (the last listing's capabilities): also ask for the details of each model
  // not in it, where the dialect has details (at most max_detailed requests; a detail that fails
  // leaves that model unknown, and it is asked again next time). Null: the list only.
  static constexpr std::size_t max_detailed = 64;
  http::net::awaitable<std::variant<model_listing, std::string>> list_models(
      http::upstream_pool& pool, http::exchange_timeouts timeouts = {},
      const std::map<std::string, model_capabilities>* known = nullptr) const;

 private:
  // The send itself: `body` to the upstream's `path`; `from_upstream` turns a rewritten request's
  // answer into OpenAI's, opt.translate that into the client's.
  http::net::awaitable<forward_outcome> post_and_relay(http::exchange& ex, http::upstream_pool& pool, std::string path,
                                                       std::string body, std::string_view model_id, forward_options opt,
                                                       response_translator* from_upstream);
  // A model-list request (GET the list, POST a model's details) with this backend's credentials.
  http::outbound_request listing_request(http::bhttp::verb method, std::string target,
                                         http::exchange_timeouts timeouts) const;

  backend_config cfg_;
  http::base_url url_;
  std::shared_ptr<const upstream_dialect> dialect_;
  secret_scrubber scrubber_;  // this backend's key, masked in every upstream text that goes on
};

// The message inside an upstream error body ({"error":{"message"}} / {"message"} / text),
// cut to a readable length.
std::string upstream_error_message(std::string_view body);

}  // namespace sy::backends
