// The hub part of the admin API through the real gateway, against the mock hub ($HF_ENDPOINT):
// search, inspect (store names and the hub only — never a path or another host), and a pull that
// streams its progress as server-sent events and makes the model servable at once.
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "child_process.h"
#include "gateway_harness.h"
#include "gguf_fixtures.h"
#include "http_client.h"
#include "mock_hub_process.h"

using testing::HasSubstr;
namespace json = boost::json;

namespace {

// A gateway whose HF_ENDPOINT is the mock hub serving <dir>/owner/repo/tiny-Q4_K_M.gguf.
struct hub_gateway {
  explicit hub_gateway(std::vector<std::string> env = {}) : dir(sy::test::temp_dir() + "/hub") {
    std::filesystem::create_directories(dir + "/owner/repo");
    sy::test::llama_fixture().write(dir + "/owner/repo/tiny-Q4_K_M.gguf", sy::test::gguf_writer::fill::random);
    sy::test::write_file(dir + "/owner/repo/.hub-meta", "downloads 42\nlikes 7\n");
    hub = std::make_unique<sy::test::mock_hub_process>(dir, std::vector<std::string>{});
    ::setenv("HF_ENDPOINT", hub->endpoint.c_str(), 1);
    gw = std::make_unique<sy::test::gateway_process>("", nullptr, std::vector<std::string>{}, std::move(env));
    ::unsetenv("HF_ENDPOINT");
  }
  std::string dir;
  std::unique_ptr<sy::test::mock_hub_process> hub;
  std::unique_ptr<sy::test::gateway_process> gw;
};

}  // namespace

TEST(hub_admin_api, searches_the_hub) {
  hub_gateway h;
  ASSERT_TRUE(h.gw->started());
  auto r = sy::test::http_request(h.gw->port(), "GET", "/api/hub/search?q=repo&limit=5");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto doc = json::parse(r.body);
  ASSERT_EQ(doc.at("models").as_array().size(), 1u);
  EXPECT_EQ(doc.at("models").at(0).at("id").as_string(), "owner/repo");
  EXPECT_EQ(doc.at("models").at(0).at("downloads").as_int64(), 42);
  EXPECT_EQ(sy::test::http_request(h.gw->port(), "GET", "/api/hub/search").status, 400u);
  EXPECT_EQ(sy::test::http_request(h.gw->port(), "GET", "/api/hub/search?q=x&sort=stars").status, 400u);
}

// The hub is not the store: with a model store that cannot be opened, search and inspect still
// work (they run on the server's blocking pool); only a pull, which writes into the store, is a 503.
TEST(hub_admin_api, search_and_inspect_work_without_a_model_store) {
  auto blocker = sy::test::temp_dir() + "/not-a-directory";
  sy::test::write_file(blocker, "x");
  hub_gateway h({"SWITCHYARD_HOME=" + blocker + "/home"});  // under a file: it cannot be created
  ASSERT_TRUE(h.gw->started()) << h.gw->process().output();
  auto r = sy::test::http_request(h.gw->port(), "GET", "/api/hub/search?q=repo&limit=5");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(json::parse(r.body).at("models").at(0).at("id").as_string(), "owner/repo");
  r = sy::test::http_request(h.gw->port(), "GET", "/api/models/inspect?model=owner/repo");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = sy::test::http_request(h.gw->port(), "POST", "/api/models/pull", R"({"model":"owner/repo"})");
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_THAT(r.body, HasSubstr("model store is unavailable"));
}

TEST(hub_admin_api, pulls_with_progress_events_then_serves_and_inspects_the_model) {
  hub_gateway h;
  ASSERT_TRUE(h.gw->started());
  auto r = sy::test::http_request(h.gw->port(), "POST", "/api/models/pull", R"({"model":"owner/repo"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_THAT(r.body, HasSubstr("event: progress"));
  ASSERT_THAT(r.body, HasSubstr("event: done"));
  EXPECT_THAT(r.body, HasSubstr("\"quant\":\"Q4_K_M\""));
  // registered and listed without a restart
  auto models = json::parse(sy::test::http_request(h.gw->port(), "GET", "/api/models").body);
  ASSERT_EQ(models.at("models").as_array().size(), 1u);
  auto name = std::string(models.at("models").at(0).at("name").as_string());
  EXPECT_EQ(models.at("models").at(0).at("sha256").as_string().size(), 64u);
  EXPECT_THAT(sy::test::http_request(h.gw->port(), "GET", "/v1/models").body, HasSubstr("local/" + name));
  // inspect: the store model (read locally) and the hub file (a few range requests)
  auto local = sy::test::http_request(h.gw->port(), "GET", "/api/models/inspect?model=local/" + name + "&ctx=512");
  ASSERT_EQ(local.status, 200u) << local.body;
  EXPECT_EQ(json::parse(local.body).as_object().count("fetch"), 0u);
  auto remote = sy::test::http_request(h.gw->port(), "GET", "/api/models/inspect?model=owner/repo:Q4_K_M");
  ASSERT_EQ(remote.status, 200u) << remote.body;
  EXPECT_GE(json::parse(remote.body).at("fetch").at("requests").as_int64(), 1);
}

TEST(hub_admin_api, refuses_paths_other_hosts_and_bad_specs) {
  hub_gateway h;
  ASSERT_TRUE(h.gw->started());
  auto path = sy::test::http_request(h.gw->port(), "GET", "/api/models/inspect?model=/etc/passwd");
  EXPECT_EQ(path.status, 400u) << path.body;
  auto url = sy::test::http_request(h.gw->port(), "GET", "/api/models/inspect?model=http://169.254.169.254/x.gguf");
  EXPECT_EQ(url.status, 400u) << url.body;
  EXPECT_THAT(url.body, HasSubstr("a URL is not accepted here"));
  EXPECT_EQ(h.hub->requests("169.254").size(), 0u);
  EXPECT_EQ(sy::test::http_request(h.gw->port(), "POST", "/api/models/pull", R"({"model":"../../etc"})").status, 400u);
  // a repository the hub does not have: the stream ends with an error event
  auto missing = sy::test::http_request(h.gw->port(), "POST", "/api/models/pull", R"({"model":"owner/nope"})");
  EXPECT_EQ(missing.status, 200u);
  EXPECT_THAT(missing.body, HasSubstr("event: error"));
  EXPECT_THAT(missing.body, testing::Not(HasSubstr("event: done")));
}

TEST(inspect_cli, reads_a_repository_quantization_and_a_store_model) {
  auto dir = sy::test::temp_dir() + "/hub";
  std::filesystem::create_directories(dir + "/owner/repo");
  sy::test::llama_fixture().write(dir + "/owner/repo/tiny-Q4_K_M.gguf", sy::test::gguf_writer::fill::random);
  sy::test::llama_fixture().write(dir + "/owner/repo/tiny-Q8_0.gguf");
  sy::test::mock_hub_process hub(dir, {});
  auto work = sy::test::temp_dir();
  auto env = std::vector<std::string>{"/usr/bin/env", "HF_ENDPOINT=" + hub.endpoint,
                                      "SWITCHYARD_HOME=" + work + "/home", sy::test::switchyard_binary()};
  auto run = [&](std::vector<std::string> args, const std::string& log) {
    auto argv = env;
    argv.insert(argv.end(), args.begin(), args.end());
    sy::test::child_process p(argv, work + "/" + log);
    auto rc = p.wait_exit(std::chrono::seconds(30));
    return std::pair{rc.value_or(-1), p.output()};
  };
  auto [rc, out] = run({"inspect", "owner/repo:Q8_0"}, "remote.log");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("owner/repo/tiny-Q8_0.gguf"));
  EXPECT_THAT(out, HasSubstr("HTTP requests"));
  // pulled into the store, then inspected by its store name, from disk
  auto [prc, pout] = run({"pull", "owner/repo"}, "pull.log");
  ASSERT_EQ(prc, 0) << pout;
  auto [lrc, lout] = run({"ls", "--json"}, "ls.log");
  auto name = std::string(json::parse(lout).at("models").at(0).at("name").as_string());
  auto [irc, iout] = run({"inspect", name, "--json"}, "local.log");
  EXPECT_EQ(irc, 0) << iout;
  EXPECT_EQ(json::parse(iout).as_object().count("fetch"), 0u);
  auto [brc, bout] = run({"inspect", "owner/repo:Q5_K_M"}, "bad.log");
  EXPECT_EQ(brc, 1);
  EXPECT_THAT(bout, HasSubstr("Q4_K_M"));  // says what is on offer
}
