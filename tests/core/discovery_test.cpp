// Zero-config discovery: which backends cloud keys in the environment and local servers add, and
// that configuration always wins over what is found.
#include <gtest/gtest.h>

#include "core/discovery.h"
#include "fake_env.h"

namespace {

using sy::test::fake_env;

sy::backend_config backend(std::string name, std::string url) {
  sy::backend_config b;
  b.name = std::move(name);
  b.url = std::move(url);
  return b;
}

}  // namespace

TEST(discovery, cloud_keys_in_the_environment_become_backends) {
  sy::config cfg;
  sy::add_cloud_backends(cfg, fake_env({{"OPENAI_API_KEY", "sk-o"}, {"GOOGLE_API_KEY", "g-key"}, {"HOME", "/x"}}));
  ASSERT_EQ(cfg.backends.size(), 2u);
  EXPECT_EQ(cfg.backends[0].name, "openai");
  EXPECT_EQ(cfg.backends[0].type, sy::backend_type::openai);
  EXPECT_EQ(cfg.backends[0].url, "https://api.openai.com/v1");
  EXPECT_EQ(cfg.backends[0].api_key, "sk-o");
  EXPECT_EQ(cfg.backends[0].discovered, "environment: OPENAI_API_KEY");
  EXPECT_EQ(cfg.backends[1].name, "gemini");
  EXPECT_EQ(cfg.backends[1].type, sy::backend_type::gemini);
  EXPECT_EQ(cfg.backends[1].api_key, "g-key");
  EXPECT_NO_THROW(sy::validate(cfg));

  // GEMINI_API_KEY wins over GOOGLE_API_KEY; an empty key is no key
  sy::config both;
  sy::add_cloud_backends(both,
                         fake_env({{"GEMINI_API_KEY", "gem"}, {"GOOGLE_API_KEY", "goo"}, {"ANTHROPIC_API_KEY", ""}}));
  ASSERT_EQ(both.backends.size(), 1u);
  EXPECT_EQ(both.backends[0].api_key, "gem");
  EXPECT_EQ(both.backends[0].discovered, "environment: GEMINI_API_KEY");
}

TEST(discovery, configuration_wins_and_can_turn_it_off) {
  sy::config cfg;
  cfg.backends.push_back(backend("openai", "https://proxy.example/v1"));      // same name
  cfg.backends.push_back(backend("claude", "https://api.anthropic.com/v1"));  // same URL
  sy::add_cloud_backends(cfg, fake_env({{"OPENAI_API_KEY", "sk-o"}, {"ANTHROPIC_API_KEY", "sk-a"}}));
  ASSERT_EQ(cfg.backends.size(), 2u);
  EXPECT_EQ(cfg.backends[0].url, "https://proxy.example/v1");
  EXPECT_TRUE(cfg.backends[0].discovered.empty());

  sy::config off;
  off.discovery.cloud = false;
  sy::add_cloud_backends(off, fake_env({{"OPENAI_API_KEY", "sk-o"}}));
  EXPECT_TRUE(off.backends.empty());
}

TEST(discovery, local_servers_join_unless_they_clash) {
  sy::config base;
  base.backends.push_back(backend("mine", "http://127.0.0.1:1234/v1"));  // LM Studio, configured by hand
  auto found_lm = backend("lmstudio", "http://127.0.0.1:1234/v1");
  auto found_ollama = backend("ollama", "http://127.0.0.1:11434");
  found_ollama.type = sy::backend_type::ollama;
  found_ollama.discovered = "found on 127.0.0.1:11434";
  auto cfg = sy::with_discovered(base, {found_lm, found_ollama});
  ASSERT_EQ(cfg.backends.size(), 2u);
  EXPECT_EQ(cfg.backends[1].name, "ollama");
  EXPECT_EQ(cfg.backends[1].discovered, "found on 127.0.0.1:11434");
  EXPECT_NO_THROW(sy::validate(cfg));
  EXPECT_EQ(base.backends.size(), 1u);  // the base is left alone

  // every kind probed has a distinct name and port
  std::set<std::string> names;
  std::set<unsigned short> ports;
  for (const auto& k : sy::local_server_kinds()) {
    names.insert(k.name);
    ports.insert(k.port);
  }
  EXPECT_EQ(names.size(), sy::local_server_kinds().size());
  EXPECT_EQ(ports, (std::set<unsigned short>{1234, 8000, 8080, 11434}));
}
