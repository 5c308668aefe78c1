#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/config_sources.h"
#include "fake_env.h"

namespace {

using sy::test::fake_env;

sy::config parse(const std::string& yaml, std::map<std::string, std::string> env = {},
                 sy::load_report* report = nullptr) {
  auto cfg = sy::parse_config_yaml(yaml, "test.yaml", fake_env(std::move(env)), report);
  sy::validate(cfg);
  return cfg;
}

// The line and reason of the error a config produces.
std::pair<int, std::string> error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const sy::config_error& e) {
    return {e.line(), e.reason()};
  }
  return {-1, "no error"};
}

}  // namespace

TEST(config, defaults_need_no_file) {
  sy::config cfg;
  EXPECT_EQ(cfg.server.listen, "127.0.0.1:8321");
  EXPECT_TRUE(cfg.server.api_keys.empty());
  EXPECT_NO_THROW(sy::validate(cfg));
  EXPECT_NO_THROW(parse(""));
}

TEST(config, reads_a_full_file) {
  auto cfg = parse(R"(
server:
  listen: 127.0.0.1:9000
  api_keys: [k1, k2]
  threads: 3
  header_timeout: 2s
  max_body_bytes: 1000
upstream:
  connect_timeout: 750ms
backends:
  - name: openai
    type: openai
    url: https://api.openai.com/v1/
    api_key: sk-123
    models: [gpt-4o-mini]
aliases:
  gpt: openai/gpt-4o-mini
routes:
  - model: chat
    targets: [openai/gpt-4o-mini]
)");
  EXPECT_EQ(cfg.server.listen, "127.0.0.1:9000");
  EXPECT_THAT(cfg.server.api_keys, testing::ElementsAre("k1", "k2"));
  EXPECT_EQ(cfg.server.threads, 3);
  EXPECT_EQ(cfg.server.header_timeout, std::chrono::seconds(2));
  EXPECT_EQ(cfg.server.max_body_bytes, 1000u);
  EXPECT_EQ(cfg.upstream.connect_timeout, std::chrono::milliseconds(750));
  ASSERT_EQ(cfg.backends.size(), 1u);
  EXPECT_EQ(cfg.backends[0].url, "https://api.openai.com/v1");  // trailing slash dropped
  EXPECT_EQ(cfg.backends[0].line, 11);
  EXPECT_EQ(cfg.aliases.at("gpt"), "openai/gpt-4o-mini");
  EXPECT_EQ(cfg.routes.at(0).targets.at(0), "openai/gpt-4o-mini");
}

TEST(config, interpolates_environment_variables) {
  sy::load_report report;
  auto cfg = parse(R"(
backends:
  - name: a
    url: http://${HOST:-127.0.0.1}:8000/v1
    api_key: ${KEY}
  - name: b
    url: http://localhost:1/v1
    api_key: ${MISSING}
)",
                   {{"KEY", "secret-value"}}, &report);
  EXPECT_EQ(cfg.backends[0].url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(cfg.backends[0].api_key, "secret-value");
  EXPECT_EQ(cfg.backends[1].api_key, "");
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], testing::HasSubstr("${MISSING} is not set"));
  EXPECT_THAT(report.warnings[0], testing::HasSubstr("test.yaml:8"));
}

TEST(config, reports_the_first_error_with_its_line) {
  EXPECT_EQ(error_of("server:\n  listen: 1.2.3.4\n").second.find("not HOST:PORT") != std::string::npos, true);
  auto [line, reason] = error_of("server:\n  threads: many\n");
  EXPECT_EQ(line, 2);
  EXPECT_THAT(reason, testing::HasSubstr("server.threads"));
  std::tie(line, reason) = error_of("server:\n  lisen: 127.0.0.1:1\n");
  EXPECT_EQ(line, 2);
  EXPECT_THAT(reason, testing::HasSubstr("unknown key 'lisen'"));
  std::tie(line, reason) = error_of("backends:\n  - name: a\n    url: ftp://x\n");
  EXPECT_EQ(line, 2);
  EXPECT_THAT(reason, testing::HasSubstr("http:// or https://"));
  std::tie(line, reason) = error_of("backends:\n  - name: a\n    url: http://x\n  - name: a\n    url: http://y\n");
  EXPECT_EQ(line, 4);
  EXPECT_THAT(reason, testing::HasSubstr("defined twice"));
  std::tie(line, reason) = error_of("routes:\n  - model: chat\n    targets: [nobody/model]\n");
  EXPECT_EQ(line, 2);
  EXPECT_THAT(reason, testing::HasSubstr("no backend named 'nobody'"));
  std::tie(line, reason) = error_of("server: [\n");
  EXPECT_GT(line, 0);
  std::tie(line, reason) = error_of("server:\n  header_timeout: soon\n");
  EXPECT_THAT(reason, testing::HasSubstr("not a duration"));
  std::tie(line, reason) = error_of("backends:\n  - name: a\n    type: cohere\n    url: http://x\n");
  EXPECT_THAT(reason, testing::HasSubstr("is not supported (supported: openai"));
}

TEST(config, ollama_backends_take_the_native_api_root) {
  auto cfg = parse(
      "backends:\n  - name: llama\n    type: ollama\n  - name: box\n    type: ollama\n"
      "    url: http://gpu-box:11434/\n    api_key: k\n");
  ASSERT_EQ(cfg.backends.size(), 2u);
  EXPECT_EQ(cfg.backends[0].type, sy::backend_type::ollama);
  EXPECT_EQ(cfg.backends[0].url, "http://127.0.0.1:11434");
  EXPECT_EQ(cfg.backends[1].url, "http://gpu-box:11434");
  // "/v1" is Ollama's OpenAI API: refused, naming both ways out
  auto [line, reason] = error_of("backends:\n  - name: a\n    type: ollama\n    url: http://x:11434/v1/\n");
  EXPECT_EQ(line, 2);
  EXPECT_THAT(reason, testing::HasSubstr("drop the /v1"));
  EXPECT_THAT(reason, testing::HasSubstr("type openai"));
}

TEST(config, refuses_a_public_listen_without_keys) {
  EXPECT_THAT(error_of("server:\n  listen: 0.0.0.0:8321\n").second, testing::HasSubstr("needs server.api_keys"));
  EXPECT_NO_THROW(parse("server:\n  listen: 0.0.0.0:8321\n  api_keys: [k]\n"));
  EXPECT_NO_THROW(parse("server:\n  listen: 0.0.0.0:8321\n  insecure_no_auth: true\n"));
  EXPECT_NO_THROW(parse("server:\n  listen: '[::1]:8321'\n"));
}

TEST(config, environment_overrides_file) {
  auto cfg = parse("server:\n  listen: 127.0.0.1:1\n");
  sy::apply_env_overrides(cfg, fake_env({{"SWITCHYARD_LISTEN", "127.0.0.1:2"}, {"SWITCHYARD_API_KEYS", "a,b"}}));
  EXPECT_EQ(cfg.server.listen, "127.0.0.1:2");
  EXPECT_THAT(cfg.server.api_keys, testing::ElementsAre("a", "b"));
  EXPECT_THROW(sy::apply_env_overrides(cfg, fake_env({{"SWITCHYARD_THREADS", "lots"}})), sy::config_error);
}

TEST(config, a_key_may_have_the_admin_role_and_keys_from_the_environment_have_it) {
  sy::load_report report;
  auto cfg = parse("server:\n  api_keys: [plain, { key: ops-key, name: ops, role: admin }, { key: u, role: user }]\n",
                   {}, &report);
  EXPECT_FALSE(cfg.server.key_profiles["plain"].admin);
  EXPECT_TRUE(cfg.server.key_profiles["ops-key"].admin);
  EXPECT_FALSE(cfg.server.key_profiles["u"].admin);
  EXPECT_TRUE(report.warnings.empty());
  EXPECT_THAT(error_of("server:\n  api_keys: [{ key: k, role: root }]\n").second, testing::HasSubstr("not a role"));
  // keys without any admin load, with a warning that the admin API is closed to them
  sy::load_report closed;
  parse("server:\n  api_keys: [a, b]\n", {}, &closed);
  ASSERT_EQ(closed.warnings.size(), 1u);
  EXPECT_THAT(closed.warnings[0], testing::HasSubstr("no key has role: admin"));
  sy::apply_env_overrides(cfg, fake_env({{"SWITCHYARD_API_KEYS", "env-key"}}));
  EXPECT_TRUE(cfg.server.key_profiles["env-key"].admin);
  EXPECT_THAT(sy::to_masked_yaml(cfg), testing::Not(testing::HasSubstr("ops-key")));
}

TEST(config, observability_sets_how_long_requests_and_usage_are_kept) {
  auto defaults = parse("");
  EXPECT_EQ(defaults.observability.requests_retention, std::chrono::hours(7 * 24));
  EXPECT_EQ(defaults.observability.requests_max_rows, 1'000'000u);
  EXPECT_EQ(defaults.observability.usage_retention, std::chrono::hours(90 * 24));
  auto cfg = parse("observability:\n  requests_retention: 2d\n  requests_max_rows: 5000\n  usage_retention: 365d\n");
  EXPECT_EQ(cfg.observability.requests_retention, std::chrono::hours(48));
  EXPECT_EQ(cfg.observability.requests_max_rows, 5000u);
  EXPECT_EQ(cfg.observability.usage_retention, std::chrono::hours(365 * 24));
  EXPECT_THAT(sy::to_masked_yaml(cfg), testing::HasSubstr("requests_retention: 2d"));
  EXPECT_THAT(error_of("observability:\n  requests_retention: 10m\n").second, testing::HasSubstr("at least 1h"));
  EXPECT_THAT(error_of("observability:\n  requests_max_rows: 10\n").second, testing::HasSubstr("1000"));
  EXPECT_THAT(error_of("observability:\n  capture_everything: true\n").second,
              testing::HasSubstr("capture_everything"));
  EXPECT_FALSE(defaults.observability.capture_bodies);
  auto capture = parse("observability: { capture_bodies: true, capture_max_bytes: 8KiB }\n");
  EXPECT_TRUE(capture.observability.capture_bodies);
  EXPECT_EQ(capture.observability.capture_max_bytes, 8192u);
  EXPECT_THAT(error_of("observability: { capture_max_bytes: 10 }\n").second, testing::HasSubstr("1KiB to 16MiB"));
}

TEST(config, shows_effective_config_with_secrets_masked) {
  auto cfg = parse(R"(
server:
  api_keys: [client-key-0123456789abcdef]
backends:
  - name: openai
    url: https://api.openai.com/v1
    api_key: sk-proj-verysecretvalue9876
)");
  auto shown = sy::to_masked_yaml(cfg);
  EXPECT_THAT(shown, testing::Not(testing::HasSubstr("verysecret")));
  EXPECT_THAT(shown, testing::Not(testing::HasSubstr("client-key-0123")));
  EXPECT_THAT(shown, testing::HasSubstr("********9876"));
  EXPECT_THAT(shown, testing::HasSubstr("listen: 127.0.0.1:8321"));
  // what is shown parses back
  EXPECT_NO_THROW(sy::parse_config_yaml(shown, "shown", fake_env({})));
}

TEST(config, split_listen_handles_ipv6_and_bad_ports) {
  EXPECT_EQ(sy::split_listen("[::1]:80"), std::make_pair(std::string("::1"), static_cast<unsigned short>(80)));
  EXPECT_EQ(sy::split_listen("localhost:0").second, 0);
  EXPECT_THROW(sy::split_listen("localhost:65536"), sy::config_error);
  EXPECT_THROW(sy::split_listen("localhost"), sy::config_error);
  EXPECT_THROW(sy::split_listen("[::1]80"), sy::config_error);
  EXPECT_TRUE(sy::is_loopback_host("127.0.0.2"));
  EXPECT_FALSE(sy::is_loopback_host("127.evil.com"));
  EXPECT_FALSE(sy::is_loopback_host("0.0.0.0"));
}

TEST(config, reads_engine_defaults_and_per_model_overrides) {
  auto cfg = parse(R"(
models:
  home: /data/sy
  paths: [/models, /opt/x.gguf]
engine:
  max_loaded: 3
  memory_budget: 12GiB
  idle_unload: 5m
  context_size: 8192
  parallel: 4
  gpu_layers: auto
  flash_attn: on
  cache_type_k: q8_0
  models:
    nomic-embed:f16: { embeddings: true, pooling: mean, context_size: 2048 }
    big:q4_k_m: { gpu_layers: 20, parallel: 1 }
routes:
  - { model: chat, targets: [local/big:q4_k_m] }
)");
  EXPECT_EQ(cfg.models.home, "/data/sy");
  EXPECT_THAT(cfg.models.paths, testing::ElementsAre("/models", "/opt/x.gguf"));
  EXPECT_EQ(cfg.engine.max_loaded, 3u);
  EXPECT_EQ(cfg.engine.memory_budget, 12ull << 30);
  EXPECT_EQ(cfg.engine.idle_unload, std::chrono::minutes(5));
  EXPECT_EQ(cfg.engine.defaults.context_size, 8192u);
  EXPECT_EQ(cfg.engine.defaults.parallel, 4u);
  EXPECT_FALSE(cfg.engine.defaults.gpu_layers.has_value());
  EXPECT_EQ(cfg.engine.defaults.flash_attn, sy::engine::flash_attention::on);
  EXPECT_EQ(cfg.engine.defaults.cache_type_k, "q8_0");
  auto embed = sy::engine::apply_overrides(cfg.engine.defaults, cfg.engine.models.at("nomic-embed:f16"));
  EXPECT_TRUE(embed.embeddings);
  EXPECT_EQ(embed.pooling, "mean");
  EXPECT_EQ(embed.context_size, 2048u);
  EXPECT_EQ(embed.parallel, 4u);  // not overridden: the default stays
  auto big = sy::engine::apply_overrides(cfg.engine.defaults, cfg.engine.models.at("big:q4_k_m"));
  EXPECT_EQ(big.gpu_layers, 20u);
  EXPECT_EQ(big.parallel, 1u);
  EXPECT_EQ(big.cache_type_k, "q8_0");
  auto shown = sy::to_masked_yaml(cfg);
  EXPECT_THAT(shown, testing::HasSubstr("memory_budget: 12884901888"));
  EXPECT_THAT(shown, testing::HasSubstr("gpu_layers: 20"));
}

TEST(config, model_paths_expand_the_home_directory) {
  auto cfg = parse("models:\n  home: ~/sy\n  paths: [~/models, /abs]\n", {{"HOME", "/home/ann"}});
  EXPECT_EQ(cfg.models.home, "/home/ann/sy");
  EXPECT_THAT(cfg.models.paths, testing::ElementsAre("/home/ann/models", "/abs"));
}

TEST(config, reads_route_strategies_and_breaker_settings) {
  auto cfg = parse(R"(
backends: [{ name: a, url: "http://x/v1" }]
router:
  breaker: { consecutive_failures: 3, failure_rate: 40, window: 30s, open_base: 2s, open_max: 1m }
routes:
  - { model: r1, strategy: least_outstanding, targets: [a/m] }
  - { model: r2, strategy: round_robin, targets: [a/m] }
)");
  EXPECT_EQ(cfg.router.breaker.consecutive_failures, 3u);
  EXPECT_DOUBLE_EQ(cfg.router.breaker.failure_rate, 0.4);
  EXPECT_EQ(cfg.router.breaker.open_max, std::chrono::minutes(1));
  EXPECT_EQ(cfg.routes[0].strategy, sy::route_strategy::least_outstanding);
  EXPECT_EQ(cfg.routes[1].strategy, sy::route_strategy::round_robin);
  EXPECT_THAT(sy::to_masked_yaml(cfg), testing::HasSubstr("strategy: least_outstanding"));
  EXPECT_EQ(error_of("router:\n  breaker:\n    open_base: 10s\n    open_max: 1s\n").second,
            "router.breaker.open_max: must not be shorter than router.breaker.open_base");
  EXPECT_EQ(error_of("routes:\n  - { model: x, strategy: fastest, targets: [a/b] }\n").first, 2);
}

TEST(config, refuses_bad_engine_settings) {
  EXPECT_EQ(error_of("engine:\n  cache_type_k: q3\n").second.substr(0, 40), "engine.cache_type_k: 'q3' is not a KV ca");
  EXPECT_EQ(error_of("engine:\n  memory_budget: lots\n").first, 2);
  EXPECT_EQ(error_of("engine:\n  models:\n    m:\n      contxt_size: 5\n").first, 4);
  EXPECT_EQ(error_of("engine:\n  flash_attn: maybe\n").first, 2);
  EXPECT_EQ(error_of("engine:\n  context_size: 2\n  parallel: 4\n").second,
            "engine.context_size: 2 cells cannot be shared by 4 slots");
  EXPECT_EQ(error_of("backends:\n  - { name: local, url: http://x }\n").second,
            "backend name 'local' is reserved for the models run on this machine");
}
