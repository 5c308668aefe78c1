// Remote inspection through the mock hub: a "big" (50 MB) GGUF read in a few Range requests, the
// CDN redirect hop without the token, and the clear errors (401, 404, a server ignoring Range).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <boost/json.hpp>

#include "child_process.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"
#include "gguf_fixtures.h"
#include "hub/http_range_source.h"
#include "hub/hub_error.h"
#include "hub/hub_file_url.h"
#include "mock_hub_process.h"

using namespace sy;
using namespace sy::test;
using testing::HasSubstr;
using testing::Not;

namespace {

constexpr const char* token = "hf_secret_test_token_123";

// One 50 MB fixture per test process, removed at exit: <dir>/owner/repo/model.gguf.
struct fixture_dir {
  fixture_dir() : path(temp_dir()) {
    std::filesystem::create_directories(path + "/owner/repo");
    auto w = llama_fixture();
    w.add_tensor("pad.weight", {1024, 12800}, 0);  // 52 MB of F32 zeros
    w.write(path + "/owner/repo/model.gguf");
  }
  ~fixture_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

const std::string& hub_dir() {
  static const fixture_dir dir;
  return dir.path;
}
std::string local_path() {
  return hub_dir() + "/owner/repo/model.gguf";
}

struct mock_hub : mock_hub_process {
  explicit mock_hub(std::vector<std::string> flags) : mock_hub_process(hub_dir(), std::move(flags)) {}
};

std::string report_json(gguf::byte_source& src) {
  auto f = gguf::read_gguf(src);
  gguf::inspect_options opt;
  opt.available_bytes = uint64_t{1} << 34;
  return gguf::format_json(gguf::build_report(f, "model.gguf", opt));
}

std::string hub_message(const std::string& url, hub::range_source_options opt = {}, int* status = nullptr) {
  try {
    hub::http_range_source src(url, opt);
    report_json(src);
  } catch (const hub::hub_error& e) {
    if (status) *status = e.status();
    return e.what();
  }
  return "";
}

std::pair<int, std::string> run_inspect(std::vector<std::string> args) {
  args.insert(args.begin(), {switchyard_binary(), "inspect"});
  child_process p(args, temp_dir() + "/out.log");
  auto rc = p.wait_exit(std::chrono::seconds(30));
  return {rc.value_or(-1), p.output()};
}

}  // namespace

TEST(hub_file_url, maps_owner_repo_path_to_resolve_main) {
  EXPECT_EQ(hub::hub_file_url("o/r/sub/m.gguf", "https://h"), "https://h/o/r/resolve/main/sub/m.gguf");
  EXPECT_EQ(hub::hub_file_url("o/r/a b.gguf", "https://h"), "https://h/o/r/resolve/main/a%20b.gguf");
  EXPECT_FALSE(hub::hub_file_url("o/r/../m.gguf", "https://h"));
  EXPECT_FALSE(hub::hub_file_url("o/m.gguf", "https://h"));
  EXPECT_FALSE(hub::hub_file_url("o//m.gguf", "https://h"));
  EXPECT_FALSE(hub::hub_file_url("o/r/m.bin", "https://h"));
}

TEST(http_range_source, reads_a_big_file_header_in_a_few_requests_and_agrees_with_the_local_file) {
  mock_hub hub({});
  gguf::file_source local(local_path());
  auto expected = report_json(local);
  hub::http_range_source remote(hub.url());
  EXPECT_EQ(report_json(remote), expected);
  EXPECT_EQ(remote.size(), std::filesystem::file_size(local_path()));
  EXPECT_GT(remote.size(), uint64_t{50} << 20);
  EXPECT_LE(remote.requests(), 4u);
  EXPECT_LT(remote.bytes_fetched(), remote.size() / 20);
  std::cerr << "remote inspect: " << remote.requests() << " requests, " << remote.bytes_fetched() << " of "
            << remote.size() << " bytes\n";
}

TEST(http_range_source, skips_array_elements_past_the_kept_bound_without_fetching_them) {
  // 16M f32 elements (64 MiB) between two small keys: the reader keeps a prefix and seeks past the
  // rest, so the remote source fetches two windows, not the array (nor more than max_total)
  auto dir = hub_dir() + "/owner/huge";
  std::filesystem::create_directories(dir);
  std::string head = "GGUF";
  put_u32(head, 3);
  put_u64(head, 0);
  put_u64(head, 3);
  put_string(head, "general.architecture");
  put_u32(head, uint32_t(gguf::value_type::string));
  put_string(head, "llama");
  put_string(head, "big.floats");
  put_u32(head, uint32_t(gguf::value_type::array));
  put_u32(head, uint32_t(gguf::value_type::f32));
  const uint64_t n = uint64_t{16} << 20;
  put_u64(head, n);
  std::string tail;
  put_string(tail, "general.name");
  put_u32(tail, uint32_t(gguf::value_type::string));
  put_string(tail, "after the array");
  {
    std::ofstream out(dir + "/huge.gguf", std::ios::binary);
    out.write(head.data(), std::streamsize(head.size()));
    std::string chunk(1 << 20, '\0');
    for (uint64_t left = n * 4; left > 0; left -= chunk.size()) out.write(chunk.data(), std::streamsize(chunk.size()));
    out.write(tail.data(), std::streamsize(tail.size()));
  }
  mock_hub hub({});
  hub::http_range_source remote(hub.endpoint + "/owner/huge/resolve/main/huge.gguf");
  auto f = gguf::read_gguf(remote);
  EXPECT_EQ(f.find("big.floats")->size(), n);
  EXPECT_EQ(f.find("big.floats")->kept(), gguf::gguf_limits{}.max_array_kept);
  EXPECT_EQ(f.get_string("general.name"), "after the array");
  EXPECT_LE(remote.requests(), 3u);
  EXPECT_LT(remote.bytes_fetched(), uint64_t{2} << 20) << "of " << remote.size();
}

TEST(http_range_source, follows_the_cdn_redirect_without_the_token) {
  mock_hub hub({"--redirect", "--token", token});
  hub::range_source_options opt;
  opt.bearer_token = token;
  hub::http_range_source remote(hub.url(), opt);
  gguf::file_source local(local_path());
  EXPECT_EQ(report_json(remote), report_json(local));
  EXPECT_LE(remote.requests(), 4u);  // one 302, then the CDN URL is reused
  auto log = hub.proc->output();
  EXPECT_THAT(log, HasSubstr("request main /owner/repo/resolve/main/model.gguf range=bytes=0-262143 auth=present "
                             "status=302"));
  EXPECT_THAT(log, HasSubstr("request cdn /cdn/owner/repo/model.gguf range=bytes=0-262143 auth=absent status=206"));
  EXPECT_THAT(log, Not(HasSubstr("cdn /cdn/owner/repo/model.gguf range=bytes=0-262143 auth=present")));
  EXPECT_THAT(log, Not(testing::ContainsRegex("request cdn [^\n]* auth=present")));
}

TEST(http_range_source, explains_401_with_hf_token) {
  mock_hub hub({"--token", token});
  int status = 0;
  EXPECT_THAT(hub_message(hub.url(), {}, &status), HasSubstr("gated or private: set HF_TOKEN"));
  EXPECT_EQ(status, 401);
  hub::range_source_options wrong;
  wrong.bearer_token = "hf_wrong";
  EXPECT_THAT(hub_message(hub.url(), wrong), HasSubstr("access denied with the HF_TOKEN given"));
}

TEST(http_range_source, says_no_such_file_on_404) {
  mock_hub hub({});
  int status = 0;
  EXPECT_THAT(hub_message(hub.url("missing.gguf"), {}, &status), HasSubstr("no such file"));
  EXPECT_EQ(status, 404);
}

TEST(http_range_source, stops_at_the_headers_when_the_server_ignores_range) {
  mock_hub hub({"--ignore-range"});
  auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(hub_message(hub.url()), HasSubstr("ignored the Range request"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_THAT(hub.proc->output(), Not(HasSubstr("status=206")));
}

TEST(http_range_source, refuses_non_http_urls_and_times_out) {
  EXPECT_THAT(hub_message("ftp://127.0.0.1/x.gguf"), HasSubstr("not http or https"));
  // a listener that never answers
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acc(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  hub::range_source_options opt;
  opt.timeout = std::chrono::milliseconds(300);
  EXPECT_THAT(hub_message("http://127.0.0.1:" + std::to_string(acc.local_endpoint().port()) + "/x.gguf", opt),
              HasSubstr("timed out"));
}

TEST(inspect_remote_cli, inspects_owner_repo_file_through_hf_endpoint) {
  mock_hub hub({"--redirect", "--token", token});
  ::setenv("HF_ENDPOINT", hub.endpoint.c_str(), 1);
  ::setenv("HF_TOKEN", token, 1);
  auto [rc, out] = run_inspect({"owner/repo/model.gguf"});
  auto [jrc, json] = run_inspect({"owner/repo/model.gguf", "--json"});
  ::unsetenv("HF_TOKEN");
  auto [denied_rc, denied] = run_inspect({"owner/repo/model.gguf"});
  ::unsetenv("HF_ENDPOINT");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("architecture          llama"));
  EXPECT_THAT(out, testing::ContainsRegex("fetched [0-9]+ of [0-9]+ bytes \\([0-9.]+%\\) in [1-4] HTTP requests"));
  EXPECT_THAT(out, Not(HasSubstr(token)));
  std::cerr << out.substr(out.rfind("fetched")) << "\n";
  ASSERT_EQ(jrc, 0) << json;
  auto j = boost::json::parse(json).as_object();
  EXPECT_LE(j["fetch"].as_object()["requests"].to_number<uint64_t>(), 4u);
  EXPECT_EQ(j["fetch"].as_object()["file_size"].to_number<uint64_t>(), std::filesystem::file_size(local_path()));
  EXPECT_EQ(denied_rc, 1);
  EXPECT_THAT(denied, HasSubstr("error: owner/repo/model.gguf: HTTP 401: gated or private: set HF_TOKEN"));
}
