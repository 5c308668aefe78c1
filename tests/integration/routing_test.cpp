// Integration tests of routing (issue "Smart routing and resilience"): strategies, fallback
// chains, retries and their budget, admission limits, per-key rate limits, deadlines, health
// checks, and what /api/router, /api/events, /api/usage and /api/requests show. The real binary against the
// mock upstream; several backends may point at the same mock.
#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway_fixture.h"

using namespace sy::test;
using testing::HasSubstr;

namespace {

struct routing_test : gateway_test {
  std::string served_by(const std::string& model, const std::string& extra = "") {
    auto r = chat(model, extra);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.header("x-switchyard-backend");
  }
  json::object router() { return parse_object(http_request(gw->port(), "GET", "/api/router").body); }
  // /api/usage once it holds `requests` records: a request is recorded just after its last byte
  // reached the client, so the client can ask before the gateway has written it down.
  json::object usage_holding(std::int64_t requests, const std::string& query,
                             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    json::object usage;
    for (int i = 0; i < 100; ++i) {
      auto got = http_request(gw->port(), "GET", "/api/usage?" + query, "", headers);
      EXPECT_EQ(got.status, 200u) << got.body;
      if (got.status != 200u) break;
      usage = parse_object(got.body);
      if (usage.at("totals").at("requests").as_int64() >= requests) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return usage;
  }
};

const char* three_backends = R"(
backends:
  - { name: a, type: openai, url: "{MOCK_URL}", list_models: false }
  - { name: b, type: openai, url: "{MOCK_URL}", list_models: false }
  - { name: c, type: openai, url: "{MOCK_URL}", list_models: false }
  - { name: dead, type: openai, url: "http://127.0.0.1:1/v1", list_models: false }
)";

TEST_F(routing_test, weighted_routes_split_by_weight) {
  start(std::string(three_backends) + R"(
routes:
  - { model: w, strategy: weighted, targets: [{ id: a/m, weight: 3 }, b/m] }
)");
  std::map<std::string, int> count;
  for (int i = 0; i < 8; ++i) ++count[served_by("w")];
  EXPECT_EQ(count["a"], 6);
  EXPECT_EQ(count["b"], 2);
}

TEST_F(routing_test, consistent_hash_keeps_each_user_and_each_conversation_on_one_target) {
  start(std::string(three_backends) + R"(
routes:
  - { model: by-user, strategy: consistent_hash, hash_on: user, targets: [a/m, b/m, c/m] }
  - { model: by-prompt, strategy: consistent_hash, targets: [a/m, b/m, c/m] }
  - { model: by-session, strategy: consistent_hash, hash_on: session, targets: [a/m, b/m, c/m] }
)");
  std::set<std::string> used;
  for (int u = 0; u < 12; ++u) {
    auto user = R"(,"user":"user-)" + std::to_string(u) + "\"";
    auto first = served_by("by-user", user);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(served_by("by-user", user), first) << "user " << u;
    used.insert(first);
  }
  EXPECT_GE(used.size(), 2u);  // keys spread over the targets
  // the same conversation prefix lands on the same engine (its prompt cache)
  auto first = served_by("by-prompt");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(served_by("by-prompt"), first);
  // a session header
  std::map<std::string, std::string> by_session;
  for (int round = 0; round < 2; ++round)
    for (int s = 0; s < 6; ++s) {
      auto session = "session-" + std::to_string(s);
      auto r = chat("by-session", "", {{"x-session-id", session}});
      ASSERT_EQ(r.status, 200u);
      auto& seen = by_session[session];
      if (round == 0)
        seen = r.header("x-switchyard-backend");
      else
        EXPECT_EQ(r.header("x-switchyard-backend"), seen);
    }
}

TEST_F(routing_test, least_latency_moves_traffic_to_the_faster_target) {
  mock_upstream other;  // b: its own mock, so that only a can be made slow
  auto config = std::string(three_backends) + R"(
  - { name: b2, type: openai, url: "B2_URL", list_models: false }
routes:
  - { model: fast, strategy: least_latency, targets: [a/m, b2/m] }
)";
  config.replace(config.find("B2_URL"), 6, other.url());
  start(config);
  // both are explored while fast; then a turns slow (a standing delay on its mock)
  std::set<std::string> explored;
  for (int i = 0; i < 4; ++i) explored.insert(served_by("fast"));
  EXPECT_EQ(explored.size(), 2u) << testing::PrintToString(explored);
  http_request(mock.port(), "POST", "/mock/faults", R"({"delay_ms":60})");
  // a slow answer from a (asked directly: direct requests feed the same statistics) raises its
  // estimate at once; the route's traffic then stays on b
  EXPECT_EQ(chat("a/m").status, 200u);
  std::vector<std::string> served;
  for (int i = 0; i < 10; ++i) served.push_back(served_by("fast"));
  EXPECT_EQ(std::count(served.begin(), served.end(), "a"), 0) << testing::PrintToString(served);
  auto targets = router().at("routes").at(0).at("targets").as_array();
  EXPECT_GT(targets.at(0).at("ewma_ttft_ms").as_double(), 50.0);
  EXPECT_GT(targets.at(0).at("ewma_ttft_ms").as_double(), targets.at(1).at("ewma_ttft_ms").as_double());
}

TEST_F(routing_test, a_route_falls_back_to_another_route_when_all_its_targets_fail) {
  start(std::string(three_backends) + R"(
routes:
  - { model: primary, targets: [dead/m1], fallback: [backup, c/m3] }
  - { model: backup, targets: [dead/m2, b/m2] }
)");
  auto r = chat("primary");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-switchyard-backend"), "b");
  EXPECT_EQ(r.header("x-switchyard-model"), "b/m2");
  EXPECT_EQ(upstream_model(), "m2");
  // an upstream that refuses (503) everywhere: the answer names every attempt, in order
  r = chat("primary", R"(,"mock":{"status":503})");
  EXPECT_EQ(r.status, 502u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("dead/m1: "));
  EXPECT_THAT(r.body, HasSubstr("b/m2: backend 'b' failed with HTTP 503"));
  EXPECT_THAT(r.body, HasSubstr("c/m3: backend 'c' failed with HTTP 503"));
  EXPECT_FALSE(r.header("x-switchyard-backend").empty());
}

TEST_F(routing_test, retries_back_off_and_stop_when_the_budget_is_spent) {
  start(std::string(three_backends) + R"(
router:
  retry: { max_attempts: 3, backoff_base: 10ms, backoff_max: 50ms, budget_percent: 0, budget_min_per_second: 1, budget_window: 2s }
routes:
  - { model: flaky, targets: [b/m] }
)");
  // three sends to the one target (two retries), then one answer naming all three
  auto before = parse_object(mock.stats()).at("generations").as_int64();
  auto r = chat("flaky", R"(,"mock":{"status":500})");
  EXPECT_EQ(r.status, 502u);
  EXPECT_EQ(parse_object(mock.stats()).at("generations").as_int64() - before, 3);
  // the budget (1 retry/s over 2 s) is spent: the next request is sent once
  before = parse_object(mock.stats()).at("generations").as_int64();
  r = chat("flaky", R"(,"mock":{"status":500})");
  EXPECT_EQ(r.status, 502u);
  EXPECT_THAT(r.body, HasSubstr("retry budget exhausted"));
  EXPECT_EQ(parse_object(mock.stats()).at("generations").as_int64() - before, 1);
  EXPECT_THAT(http_request(gw->port(), "GET", "/metrics").body, HasSubstr("switchyard_retries_refused_total 1"));
}

TEST_F(routing_test, a_full_target_queues_a_bounded_number_then_answers_429) {
  start(std::string(three_backends) + R"(
routes:
  - { model: small, targets: [{ id: b/m, max_concurrency: 1, max_queue: 1, queue_timeout: 5s }] }
)");
  http_connection held(gw->port());
  auto head = held.start("POST", "/v1/chat/completions",
                         chat_body("small", R"(,"stream":true,"mock":{"chunks":2,"hold":"q1","hold_after":1})"));
  ASSERT_EQ(head.status, 200u);
  // the second waits in the queue ...
  auto queued = std::async(std::launch::async, [&] { return chat("small"); });
  for (int i = 0; i < 100 && router().at("routes").at(0).at("targets").at(0).at("queued").as_int64() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // ... the third finds the queue full: 429 at once, with Retry-After
  auto began = std::chrono::steady_clock::now();
  auto r = chat("small");
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_THAT(r.body, HasSubstr("saturated"));
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(2));
  mock.release("q1");
  held.read_rest();
  EXPECT_EQ(queued.get().status, 200u);  // the queued one got the freed place
}

TEST_F(routing_test, per_key_rate_limits_answer_429_with_retry_after) {
  start(std::string(three_backends) + R"(
server:
  api_keys:
    - { key: sk-team-a, name: team-a, requests_per_minute: 2 }
    - sk-other
    - { key: sk-admin, name: ops, role: admin }
routes:
  - { model: r, targets: [b/m] }
)");
  std::vector<std::pair<std::string, std::string>> a{{"Authorization", "Bearer sk-team-a"}};
  EXPECT_EQ(chat("r", "", a).status, 200u);
  EXPECT_EQ(chat("r", "", a).status, 200u);
  auto r = chat("r", "", a);
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_THAT(r.body, HasSubstr("rate_limit_exceeded"));
  // another key is not limited, and the ledger names keys without their secrets
  for (int i = 0; i < 3; ++i) EXPECT_EQ(chat("r", "", {{"Authorization", "Bearer sk-other"}}).status, 200u);
  auto usage = json::serialize(usage_holding(5, "group_by=key", {{"Authorization", "Bearer sk-admin"}}));
  EXPECT_THAT(usage, HasSubstr(R"("requests":5)"));
  EXPECT_THAT(usage, HasSubstr(R"("key":"team-a")"));
  EXPECT_THAT(usage, HasSubstr(R"("key":"key-)"));
  EXPECT_THAT(usage, testing::Not(HasSubstr("sk-other")));
}

TEST_F(routing_test, a_route_deadline_ends_a_slow_request_with_504) {
  start(std::string(three_backends) + R"(
routes:
  - { model: quick, targets: [b/m], timeouts: { total: 300ms } }
  - { model: first, targets: [b/m], timeouts: { first_token: 200ms } }
)");
  auto began = std::chrono::steady_clock::now();
  auto r = chat("quick", R"(,"mock":{"delay_ms":3000})");
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(2));
  // a stream whose chunks outlast the total deadline ends with an error event, never [DONE]
  auto s = chat("quick", R"(,"stream":true,"mock":{"chunks":20,"chunk_delay_ms":50})");
  EXPECT_EQ(s.status, 200u);
  EXPECT_THAT(s.body, HasSubstr("deadline"));
  EXPECT_THAT(s.body, testing::Not(HasSubstr("[DONE]")));
  r = chat("first", R"(,"mock":{"delay_ms":3000})");
  EXPECT_EQ(r.status, 504u) << r.body;
}

TEST_F(routing_test, active_health_checks_mark_a_dead_backend_and_the_route_avoids_it) {
  start(std::string(three_backends) + R"(
router:
  health: { interval: 100ms, timeout: 200ms, unhealthy_after: 1 }
routes:
  - { model: hc, targets: [dead/m, b/m] }
)");
  std::string state;
  for (int i = 0; i < 100 && state != "unhealthy"; ++i) {
    auto now = router();
    for (const auto& b : now.at("backends").as_array())
      if (b.at("name").as_string() == "dead") state = std::string(b.at("health").as_string());
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  EXPECT_EQ(state, "unhealthy");
  // the unhealthy target goes last: b answers without a failed attempt first
  auto r = chat("hc");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("x-switchyard-backend"), "b");
  EXPECT_THAT(gw->process().output(), testing::Not(HasSubstr("dead/m failed before answering")));
  EXPECT_THAT(http_request(gw->port(), "GET", "/metrics").body,
              HasSubstr("switchyard_backend_healthy{backend=\"dead\"} 0"));
}

TEST_F(routing_test, events_stream_request_summaries_and_breaker_transitions) {
  start(std::string(three_backends) + R"(
router:
  breaker: { consecutive_failures: 1 }
routes:
  - { model: ev, targets: [dead/m, b/m] }
)");
  http_connection events(gw->port());
  auto head = events.start("GET", "/api/events");
  ASSERT_EQ(head.status, 200u);
  EXPECT_THAT(head.header("content-type"), HasSubstr("text/event-stream"));
  EXPECT_THAT(events.read_until("event: hello"), HasSubstr("event: hello"));
  EXPECT_EQ(chat("ev").status, 200u);
  auto seen = events.read_until("event: request");
  seen += events.read_until("\n\n");
  EXPECT_THAT(seen, HasSubstr("event: breaker"));
  EXPECT_THAT(seen, HasSubstr(R"("target":"dead/m","to":"open")"));
  EXPECT_THAT(seen, HasSubstr(R"("route":"ev","target":"b/m")"));
}

TEST_F(routing_test, usage_is_recorded_per_model_including_streams) {
  start(std::string(three_backends) + R"(
routes:
  - { model: u, targets: [b/m] }
)");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(chat("u").status, 200u);
  auto s = chat("u", R"(,"stream":true,"stream_options":{"include_usage":true},"mock":{"chunks":4})");
  EXPECT_EQ(s.status, 200u);
  auto cut = chat("u", R"(,"stream":true,"mock":{"chunks":6,"die_after":3})");  // cut short: 3 produced
  // the body ends cleanly, but without [DONE] or a finish reason: cut short too (2 produced)
  auto ended = chat("u", R"(,"stream":true,"mock":{"chunks":6,"end_after":2})");
  EXPECT_EQ(ended.status, 200u);
  // a stream's request ends (and is recorded) just after its last byte reached the client
  auto usage = usage_holding(6, "group_by=model,route");
  auto totals = usage.at("totals").as_object();
  EXPECT_EQ(totals.at("requests").as_int64(), 6);
  EXPECT_EQ(totals.at("cut_short").as_int64(), 2);
  EXPECT_GE(totals.at("output_tokens").as_int64(), 3 * 3 + 4 + 3 + 2);  // mock: 3 words each; 4 chunks; 3 and 2 cut
  auto groups = usage.at("groups").as_array();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups.at(0).at("model").as_string(), "b/m");
  EXPECT_EQ(groups.at(0).at("route").as_string(), "u");
  // bad queries are refused with the reason
  auto bad = http_request(gw->port(), "GET", "/api/usage?group_by=password");
  EXPECT_EQ(bad.status, 400u);
}

TEST_F(routing_test, the_request_log_pages_every_request_with_its_attempts_and_error) {
  start(std::string(three_backends) + R"(
routes:
  - { model: primary, targets: [dead/m1, b/m2] }
)");
  auto ok = chat("primary");
  ASSERT_EQ(ok.status, 200u) << ok.body;
  auto failed = chat("primary", R"(,"mock":{"status":503})");
  EXPECT_EQ(failed.status, 502u);
  auto streamed = chat("primary", R"(,"stream":true,"stream_options":{"include_usage":true},"mock":{"chunks":4})");
  EXPECT_EQ(streamed.status, 200u);
  usage_holding(3, "");
  // newest first, one page per call, with what the dashboard's Requests page shows
  auto got = http_request(gw->port(), "GET", "/api/requests?limit=2");
  ASSERT_EQ(got.status, 200u) << got.body;
  auto page = parse_object(got.body);
  auto rows = page.at("requests").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at(0).at("request_id").as_string(), streamed.header("x-request-id"));
  EXPECT_TRUE(rows.at(0).at("stream").as_bool());
  EXPECT_GT(rows.at(0).at("ttft_ms").as_double(), 0.0);
  EXPECT_EQ(rows.at(1).at("request_id").as_string(), failed.header("x-request-id"));
  EXPECT_EQ(rows.at(1).at("status").as_int64(), 502);
  EXPECT_THAT(std::string(rows.at(1).at("attempts").as_string()), HasSubstr("dead/m1: "));
  EXPECT_FALSE(rows.at(1).at("error").as_string().empty());
  ASSERT_TRUE(page.at("next_before").is_int64());
  auto rest =
      parse_object(http_request(gw->port(), "GET",
                                "/api/requests?limit=2&before=" + std::to_string(page.at("next_before").as_int64()))
                       .body);
  auto last = rest.at("requests").as_array();
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last.at(0).at("request_id").as_string(), ok.header("x-request-id"));
  EXPECT_EQ(last.at(0).at("api").as_string(), "openai");
  EXPECT_EQ(last.at(0).at("model").as_string(), "primary");
  EXPECT_EQ(last.at(0).at("target").as_string(), "b/m2");
  EXPECT_EQ(last.at(0).at("route").as_string(), "primary");
  EXPECT_THAT(std::string(last.at(0).at("attempts").as_string()), HasSubstr("dead/m1: "));
  EXPECT_TRUE(rest.at("next_before").is_null());
  // filters; a bad query is refused with the reason
  auto errors = parse_object(http_request(gw->port(), "GET", "/api/requests?status=error").body);
  EXPECT_EQ(errors.at("requests").as_array().size(), 1u);
  auto bad = http_request(gw->port(), "GET", "/api/requests?limit=0");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_THAT(bad.body, HasSubstr("limit"));
}

TEST_F(routing_test, capture_bodies_keeps_what_was_asked_and_sent_with_the_keys_masked) {
  start(std::string(three_backends) + R"(
  - { name: keyed, type: openai, url: "{MOCK_URL}", api_key: sk-backend-secret-0123456789, list_models: false }
observability: { capture_bodies: true, capture_max_bytes: 2KiB }
)");
  // a client that pastes a configured key into its prompt: the kept body has it masked
  auto plain = chat("a/m", R"(,"messages":[{"role":"user","content":"my key is sk-backend-secret-0123456789"}])");
  ASSERT_EQ(plain.status, 200u) << plain.body;
  auto streamed = chat("keyed/m", R"(,"stream":true,"mock":{"chunks":300})");
  ASSERT_EQ(streamed.status, 200u);
  usage_holding(2, "");
  auto rows = parse_object(http_request(gw->port(), "GET", "/api/requests").body).at("requests").as_array();
  ASSERT_EQ(rows.size(), 2u);
  auto bodies_of = [&](const json::value& row) {
    EXPECT_TRUE(row.at("bodies").as_bool());
    auto got = http_request(gw->port(), "GET", "/api/requests/bodies?id=" + std::to_string(row.at("id").as_int64()));
    EXPECT_EQ(got.status, 200u) << got.body;
    return parse_object(got.body);
  };
  auto stream_bodies = bodies_of(rows.at(0));
  EXPECT_THAT(std::string(stream_bodies.at("request").as_string()), HasSubstr("\"stream\":true"));
  auto sent = std::string(stream_bodies.at("response").as_string());
  EXPECT_THAT(sent, testing::StartsWith("data: {"));
  EXPECT_THAT(sent, HasSubstr("tok0 "));
  EXPECT_EQ(sent.size(), 2048u);  // cut at capture_max_bytes
  auto plain_bodies = bodies_of(rows.at(1));
  auto asked = std::string(plain_bodies.at("request").as_string());
  EXPECT_THAT(asked, HasSubstr("my key is"));
  EXPECT_THAT(asked, testing::Not(HasSubstr("sk-backend-secret-0123456789")));
  EXPECT_THAT(std::string(plain_bodies.at("response").as_string()), HasSubstr("Hello from mock"));
  // nothing kept for an unknown id; a bad id is refused
  EXPECT_EQ(http_request(gw->port(), "GET", "/api/requests/bodies?id=999").status, 404u);
  EXPECT_EQ(http_request(gw->port(), "GET", "/api/requests/bodies?id=x").status, 400u);
}

TEST_F(routing_test, without_capture_bodies_no_body_is_kept) {
  start(three_backends);
  ASSERT_EQ(chat("a/m").status, 200u);
  usage_holding(1, "");
  auto rows = parse_object(http_request(gw->port(), "GET", "/api/requests").body).at("requests").as_array();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows.at(0).at("bodies").as_bool());
  EXPECT_EQ(http_request(gw->port(), "GET", "/api/requests/bodies?id=" + std::to_string(rows.at(0).at("id").as_int64()))
                .status,
            404u);
}

TEST_F(routing_test, a_prompt_too_long_for_the_context_falls_back_to_a_bigger_model) {
  mock_upstream big;
  auto config = std::string(three_backends) + R"(
  - { name: big, type: openai, url: "BIG_URL", list_models: false }
routes:
  - { model: ctx, targets: [b/small], fallback: [big/long-context] }
)";
  config.replace(config.find("BIG_URL"), 7, big.url());
  start(config);
  // `mock` refuses with OpenAI's context_length_exceeded wording (a standing fault); `big` has none
  auto fault = [&](const std::string& message) {
    http_request(mock.port(), "POST", "/mock/faults", R"({"status":400,"message":")" + message + "\"}");
  };
  fault("This model's maximum context length is 4096 tokens");
  auto r = chat("ctx");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("x-switchyard-model"), "big/long-context");
  // other client errors are the client's: no fallback
  fault("temperature must be <= 2");
  r = chat("ctx");
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("temperature"));
}

}  // namespace
