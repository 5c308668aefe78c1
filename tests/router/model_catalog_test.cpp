#include "router/model_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

sy::config one_backend(std::string url) {
  sy::config cfg;
  cfg.backends.push_back({.name = "vllm", .url = std::move(url)});
  return cfg;
}

}  // namespace

// A refresh lists the backend as it was when the round began; a reload that moved the backend to
// another URL meanwhile must not get the old upstream's models (or its failure).
TEST(model_catalog, drops_a_listing_of_a_url_the_backend_no_longer_has) {
  sy::model_catalog catalog(one_backend("http://127.0.0.1:8000/v1"));
  catalog.reconfigure(one_backend("http://127.0.0.1:9000/v1"));
  catalog.update_listing("vllm", sy::model_listing{{"old-model"}, {}}, "http://127.0.0.1:8000/v1");
  catalog.listing_failed("vllm", "connection refused", "http://127.0.0.1:8000/v1");
  const auto* vllm = catalog.snapshot()->find("vllm");
  ASSERT_NE(vllm, nullptr);
  EXPECT_TRUE(vllm->listed.empty());
  EXPECT_EQ(vllm->state, sy::listing_state::pending);
  EXPECT_TRUE(vllm->last_error.empty());

  catalog.update_listing("vllm", sy::model_listing{{"new-model"}, {}}, "http://127.0.0.1:9000/v1");
  EXPECT_THAT(catalog.snapshot()->find("vllm")->listed, testing::ElementsAre("new-model"));
}

// Readers keep the snapshot they took: a later update publishes a new one.
TEST(model_catalog, a_snapshot_never_changes_under_its_reader) {
  sy::model_catalog catalog(one_backend("http://127.0.0.1:8000/v1"));
  auto before = catalog.snapshot();
  catalog.update_listing("vllm", sy::model_listing{{"m"}, {}});
  EXPECT_TRUE(before->find("vllm")->listed.empty());
  EXPECT_THAT(catalog.snapshot()->find("vllm")->listed, testing::ElementsAre("m"));
}
