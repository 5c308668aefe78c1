// Pulls against the mock hub: the Hub API (search, listing, 401/404/429), resume after a dropped
// connection from the byte reached, parallel chunks, a checksum mismatch that leaves nothing,
// the disk check before any byte, refused file names, and the real binary end to end (two
// concurrent pulls of one file download it once).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "child_process.h"
#include "core/sha256.h"
#include "gguf_fixtures.h"
#include "hub/file_download.h"
#include "hub/hub_api.h"
#include "hub/hub_error.h"
#include "hub/model_pull.h"
#include "mock_hub_process.h"
#include "store/model_library.h"

using namespace sy;
using namespace sy::test;
using testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t blob_size = 8 << 20;   // random bytes: a misplaced chunk changes the digest
constexpr uint64_t long_size = 12 << 20;  // more blocks than connections (jobs 2: 6, 4 and 2 MiB)

std::string random_bytes(uint64_t n, uint64_t seed) {
  std::string out(n, '\0');
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i + 8 <= out.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

// <dir>/owner/repo: a real tiny GGUF (Q4_K_M and Q8_0 names), a random "blob" for transfer tests,
// a README; <dir>/other/llama-gguf: for search.
struct hub_fixture {
  hub_fixture() : dir(temp_dir() + "/hub") {
    fs::create_directories(dir + "/owner/repo");
    fs::create_directories(dir + "/other/llama-gguf");
    llama_fixture().write(dir + "/owner/repo/tiny-Q4_K_M.gguf", gguf_writer::fill::random);
    llama_fixture().write(dir + "/owner/repo/tiny-Q8_0.gguf");
    write_file(dir + "/owner/repo/README.md", "# tiny\n");
    write_file(dir + "/owner/repo/.hub-meta", "downloads 10\nlikes 3\nupdated 2024-05-01T10:00:00.000Z\n");
    llama_fixture().write(dir + "/other/llama-gguf/llama-IQ4_XS.gguf");
    write_file(dir + "/other/llama-gguf/.hub-meta", "downloads 5000\nlikes 1\ngated manual\n");
    write_file(dir + "/owner/repo/blob-Q2_K.gguf", random_bytes(blob_size, 7));
    write_file(dir + "/owner/repo/long-Q3_K_M.gguf", random_bytes(long_size, 11));
  }
  std::string path(const std::string& rel) const { return dir + "/owner/repo/" + rel; }
  std::string dir;
};

const hub_fixture& fixture() {
  static const hub_fixture f;
  return f;
}

hub::hub_options hub_opts(const mock_hub_process& m, std::vector<std::chrono::milliseconds>* waits = nullptr) {
  hub::hub_options o;
  o.endpoint = m.endpoint;
  o.timeout = std::chrono::seconds(10);
  o.sleep = [waits](std::chrono::milliseconds d) {
    if (waits) waits->push_back(d);
  };
  return o;
}

// A store home of its own for each test.
hub::pull_options pull_opts(const mock_hub_process& m) {
  hub::pull_options o;
  o.hub = hub_opts(m);
  o.home = temp_dir() + "/home-" + std::to_string(std::random_device{}());
  o.free_space = [](const std::string&) { return uint64_t{1} << 40; };
  return o;
}

template <class F>
std::string error_of(F&& f, int* status = nullptr) {
  try {
    f();
  } catch (const hub::hub_error& e) {
    if (status) *status = e.status();
    return e.what();
  }
  return "";
}

hub::download_request blob_request(const mock_hub_process& m, const std::string& dest) {
  return {m.url("blob-Q2_K.gguf"), dest + "/.partial/blob.part", dest + "/blob-Q2_K.gguf", blob_size,
          sha256_file(fixture().path("blob-Q2_K.gguf"))};
}

hub::download_request long_request(const mock_hub_process& m, const std::string& dest) {
  return {m.url("long-Q3_K_M.gguf"), dest + "/.partial/long.part", dest + "/long-Q3_K_M.gguf", long_size,
          sha256_file(fixture().path("long-Q3_K_M.gguf"))};
}

// Two connections over the three blocks of the long file, cancelled once `at_least` bytes are on
// disk: the partial download left for a resume.
void start_long_download(const mock_hub_process& m, const hub::download_request& req, uint64_t at_least) {
  std::atomic<bool> cancel{false};
  hub::download_options o;
  o.hub = hub_opts(m);
  o.parallel_threshold = 1 << 20;
  o.jobs = 2;
  o.cancel = &cancel;
  o.progress = [&](const hub::download_progress& p) {
    if (p.done >= at_least) cancel = true;
  };
  EXPECT_THAT(error_of([&] { hub::download_file(req, o); }), HasSubstr("cancelled"));
  ASSERT_TRUE(fs::exists(req.partial_path + ".progress"));
}

std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), dir).string());
  return out;
}

std::pair<int, std::string> run_cli(std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), switchyard_binary());
  child_process p(args, log);
  auto rc = p.wait_exit(std::chrono::seconds(60));
  return {rc.value_or(-1), p.output()};
}

}  // namespace

TEST(hub_api, lists_a_repository_with_sizes_and_lfs_sha256) {
  mock_hub_process m(fixture().dir, {});
  auto l = hub::list_repo(hub_opts(m), "owner/repo");
  EXPECT_EQ(l.revision, "0123456789abcdef0123456789abcdef01234567");
  std::map<std::string, hub::repo_file> by;
  for (const auto& f : l.files) by[f.path] = f;
  ASSERT_TRUE(by.contains("tiny-Q4_K_M.gguf"));
  EXPECT_FALSE(by.contains(".hub-meta"));
  EXPECT_EQ(by["tiny-Q4_K_M.gguf"].size, fs::file_size(fixture().path("tiny-Q4_K_M.gguf")));
  EXPECT_EQ(by["tiny-Q4_K_M.gguf"].sha256, sha256_file(fixture().path("tiny-Q4_K_M.gguf")));
  EXPECT_EQ(by["README.md"].sha256, "");
}

TEST(hub_api, explains_404_and_401) {
  mock_hub_process m(fixture().dir, {"--token", "hf_good"});
  int status = 0;
  auto o = hub_opts(m);
  EXPECT_THAT(error_of([&] { hub::list_repo(o, "owner/repo"); }, &status), HasSubstr("gated or private: set HF_TOKEN"));
  EXPECT_EQ(status, 401);
  o.token = "hf_wrong";
  EXPECT_THAT(error_of([&] { hub::list_repo(o, "owner/repo"); }), HasSubstr("accept its terms"));
  o.token = "hf_good";
  EXPECT_THAT(error_of([&] { hub::list_repo(o, "owner/missing"); }, &status), HasSubstr("no such repository"));
  EXPECT_EQ(status, 404);
  EXPECT_EQ(hub::list_repo(o, "owner/repo").id, "owner/repo");
}

TEST(hub_api, honours_retry_after_on_429_a_bounded_number_of_times) {
  mock_hub_process m(fixture().dir, {"--rate-limit", "2"});
  std::vector<std::chrono::milliseconds> waits;
  auto l = hub::list_repo(hub_opts(m, &waits), "owner/repo");
  EXPECT_FALSE(l.files.empty());
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{std::chrono::seconds(1), std::chrono::seconds(1)}));
  mock_hub_process always(fixture().dir, {"--rate-limit", "100"});
  int status = 0;
  EXPECT_THAT(error_of([&] { hub::list_repo(hub_opts(always), "owner/repo"); }, &status),
              HasSubstr("HTTP 429: rate limited by the hub (gave up after 4 tries)"));
  EXPECT_EQ(status, 429);
}

TEST(hub_api, searches_gguf_repositories) {
  mock_hub_process m(fixture().dir, {});
  auto hits = hub::search_models(hub_opts(m), {"", 10, "downloads"});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].id, "other/llama-gguf");
  EXPECT_TRUE(hits[0].gated);
  EXPECT_EQ(hits[1].downloads, 10u);
  EXPECT_EQ(hits[1].updated, "2024-05-01T10:00:00.000Z");
  EXPECT_THAT(hits[1].gguf_files, testing::Contains("tiny-Q4_K_M.gguf"));
  hits = hub::search_models(hub_opts(m), {"LLAMA", 10, "likes"});
  ASSERT_EQ(hits.size(), 1u);
  auto j = hub::search_json({"llama", 10, "likes"}, hits);
  EXPECT_EQ(j["models"].as_array()[0].as_object()["quantizations"].as_array()[0].as_string(), "IQ4_XS");
  EXPECT_THAT(m.requests("/api/models", 2).at(1), HasSubstr("status=200"));
}

TEST(search_cli, prints_a_table) {
  mock_hub_process m(fixture().dir, {});
  ::setenv("HF_ENDPOINT", m.endpoint.c_str(), 1);
  auto [rc, out] = run_cli({"search", "repo", "--limit", "5"}, temp_dir() + "/search.log");
  ::unsetenv("HF_ENDPOINT");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, testing::ContainsRegex("REPOSITORY +DOWNLOADS +LIKES +UPDATED +QUANTIZATIONS"));
  EXPECT_THAT(out, testing::ContainsRegex("owner/repo +10 +3 +2024-05-01 +Q4_K_M Q8_0 Q2_K"));
  EXPECT_THAT(m.requests("/api/models", 1).at(0), HasSubstr("status=200"));
}

TEST(file_download, resumes_after_a_dropped_connection_from_the_byte_reached) {
  mock_hub_process m(fixture().dir, {"--drop-at", "1000000"});
  std::string dest = temp_dir() + "/dl-drop";
  hub::download_options o;
  o.hub = hub_opts(m);
  o.parallel_threshold = uint64_t{64} << 20;  // one connection
  auto r = hub::download_file(blob_request(m, dest), o);
  EXPECT_TRUE(r.transferred);
  EXPECT_EQ(sha256_file(dest + "/blob-Q2_K.gguf"), sha256_file(fixture().path("blob-Q2_K.gguf")));
  auto reqs = m.requests("blob-Q2_K.gguf", 2);
  ASSERT_EQ(reqs.size(), 2u) << m.proc->output();
  EXPECT_THAT(reqs[0], HasSubstr("range=bytes=0-8388607 auth=absent status=206 sent=1000000"));
  EXPECT_THAT(reqs[1], HasSubstr("range=bytes=1000000-8388607 auth=absent status=206 sent=7388608"));
  EXPECT_EQ(files_under(dest + "/.partial"), std::vector<std::string>{});
}

TEST(file_download, splits_a_big_file_into_parallel_ranges_and_resumes_a_chunk) {
  mock_hub_process m(fixture().dir, {"--drop-at", "5000000", "--redirect"});
  std::string dest = temp_dir() + "/dl-par";
  hub::download_options o;
  o.hub = hub_opts(m);
  o.parallel_threshold = 1 << 20;
  o.jobs = 4;
  auto r = hub::download_file(blob_request(m, dest), o);
  EXPECT_EQ(r.connections, 4u);
  EXPECT_EQ(r.fetched, blob_size);
  EXPECT_EQ(sha256_file(dest + "/blob-Q2_K.gguf"), sha256_file(fixture().path("blob-Q2_K.gguf")));
  auto log = m.proc->output();
  for (auto range : {"0-2097151", "2097152-4194303", "4194304-6291455", "6291456-8388607", "5000000-6291455"})
    EXPECT_THAT(log, HasSubstr(std::string("cdn /cdn/owner/repo/blob-Q2_K.gguf range=bytes=") + range));
  EXPECT_EQ(m.bytes_sent("/cdn/owner/repo/blob-Q2_K.gguf"), blob_size);
}

TEST(file_download, continues_from_the_bytes_on_disk_after_an_interruption) {
  mock_hub_process m(fixture().dir, {"--trickle", "4000000"});
  std::string dest = temp_dir() + "/dl-resume";
  auto req = blob_request(m, dest);
  std::atomic<bool> cancel{false};
  hub::download_options o;
  o.hub = hub_opts(m);
  o.cancel = &cancel;
  o.progress = [&](const hub::download_progress& p) {
    if (p.done >= (1 << 20)) cancel = true;
  };
  EXPECT_THAT(error_of([&] { hub::download_file(req, o); }), HasSubstr("cancelled"));
  uint64_t on_disk = fs::file_size(req.partial_path);
  EXPECT_GE(on_disk, uint64_t{1} << 20);
  EXPECT_LT(on_disk, blob_size);
  cancel = false;
  o.progress = nullptr;
  auto r = hub::download_file(req, o);
  EXPECT_EQ(r.resumed_from, on_disk);
  EXPECT_EQ(r.fetched, blob_size - on_disk);
  auto reqs = m.requests("blob-Q2_K.gguf", 2);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[1], HasSubstr("range=bytes=" + std::to_string(on_disk) + "-8388607 "));
  EXPECT_EQ(sha256_file(req.final_path), req.sha256);
}

TEST(file_download, hands_out_blocks_in_file_order_and_verifies_a_resumed_download) {
  mock_hub_process m(fixture().dir, {"--trickle", "6000000"});
  std::string dest = temp_dir() + "/dl-blocks";
  auto req = long_request(m, dest);
  start_long_download(m, req, 3 << 20);

  // the resume hashes the bytes already on disk (in the background) and fetches only the rest,
  // each block from the byte it reached
  hub::download_options o;
  o.hub = hub_opts(m);
  o.parallel_threshold = 1 << 20;
  o.jobs = 2;
  auto r = hub::download_file(req, o);
  EXPECT_TRUE(r.transferred);
  EXPECT_GE(r.resumed_from, uint64_t{3} << 20);
  EXPECT_EQ(r.resumed_from + r.fetched, long_size);
  EXPECT_EQ(sha256_file(req.final_path), req.sha256);
  // the blocks (6, 4 and 2 MiB) in file order; the first two were under way when cancelled, and
  // went on from the byte reached
  std::string log;
  for (const auto& l : m.requests("long-Q3_K_M.gguf")) log += l + "\n";
  EXPECT_THAT(log, HasSubstr("range=bytes=0-6291455 "));
  EXPECT_THAT(log, HasSubstr("range=bytes=6291456-10485759 "));
  EXPECT_THAT(log, testing::ContainsRegex("range=bytes=[1-9][0-9]*-6291455 "));
  EXPECT_THAT(log, testing::ContainsRegex("range=bytes=[0-9]+-10485759 .*\n.*range=bytes=[0-9]+-10485759 "));
  EXPECT_THAT(log, HasSubstr("range=bytes=10485760-12582911 "));
  EXPECT_EQ(files_under(dest), std::vector<std::string>{"long-Q3_K_M.gguf"});
}

TEST(file_download, a_byte_changed_on_disk_before_a_resume_is_caught) {
  // the hash follows the download, but what an earlier run left is hashed from the disk again
  mock_hub_process m(fixture().dir, {"--trickle", "6000000"});
  std::string dest = temp_dir() + "/dl-corrupt";
  auto req = long_request(m, dest);
  start_long_download(m, req, 2 << 20);
  {
    std::fstream f(req.partial_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(1000);
    char c = 0;
    f.get(c);
    f.seekp(1000);
    f.put(char(c ^ 0x5a));
  }
  hub::download_options o;
  o.hub = hub_opts(m);
  o.parallel_threshold = 1 << 20;
  o.jobs = 2;
  EXPECT_THAT(error_of([&] { hub::download_file(req, o); }), HasSubstr("checksum mismatch for long-Q3_K_M.gguf"));
  EXPECT_EQ(files_under(dest), std::vector<std::string>{});
}

TEST(file_download, a_checksum_mismatch_in_a_parallel_download_leaves_nothing) {
  mock_hub_process m(fixture().dir, {});
  std::string dest = temp_dir() + "/dl-mismatch";
  auto req = long_request(m, dest);
  req.sha256 = sha256_file(fixture().path("blob-Q2_K.gguf"));  // the digest of another file
  hub::download_options o;
  o.hub = hub_opts(m);
  o.parallel_threshold = 1 << 20;
  o.jobs = 2;
  EXPECT_THAT(error_of([&] { hub::download_file(req, o); }), HasSubstr("checksum mismatch for long-Q3_K_M.gguf"));
  EXPECT_EQ(files_under(dest), std::vector<std::string>{});
}

TEST(pull, a_checksum_mismatch_leaves_nothing_in_the_store) {
  mock_hub_process m(fixture().dir, {"--wrong-sha"});
  auto o = pull_opts(m);
  EXPECT_THAT(error_of([&] { hub::pull_model("owner/repo:Q4_K_M", o); }),
              HasSubstr("checksum mismatch for tiny-Q4_K_M.gguf"));
  EXPECT_EQ(files_under(o.home + "/models"), std::vector<std::string>{});
  store::model_library lib({o.home, {}});
  EXPECT_TRUE(lib.list().empty());
  EXPECT_EQ(m.requests("/resolve/", 1).size(), 1u);  // it was downloaded, then refused
}

TEST(pull, refuses_before_downloading_when_the_disk_is_too_full) {
  mock_hub_process m(fixture().dir, {});
  auto o = pull_opts(m);
  o.free_space = [](const std::string&) { return uint64_t{300} << 20; };  // the margin (256 MiB) and a bit
  o.disk_margin = uint64_t{300} << 20;
  EXPECT_THAT(error_of([&] { hub::pull_model("owner/repo:Q4_K_M", o); }), HasSubstr("not enough disk space in"));
  EXPECT_TRUE(m.requests("/resolve/").empty());
  EXPECT_EQ(files_under(o.home + "/models"), std::vector<std::string>{});
}

TEST(pull, refuses_file_names_with_path_tricks) {
  mock_hub_process m(fixture().dir, {"--extra-sibling", "../../evil-Q3_K_S.gguf", "--extra-sibling",
                                     "sub\\evil-Q5_K_S.gguf", "--extra-sibling", ".partial/x-Q6_K.gguf"});
  auto o = pull_opts(m);
  EXPECT_THAT(error_of([&] { hub::pull_model("owner/repo:Q3_K_S", o); }),
              HasSubstr("refusing the file name \"../../evil-Q3_K_S.gguf\" from the hub: a \"..\" path segment"));
  EXPECT_THAT(error_of([&] { hub::pull_model("owner/repo:Q5_K_S", o); }), HasSubstr("a backslash"));
  EXPECT_THAT(error_of([&] { hub::pull_model("owner/repo:Q6_K", o); }), HasSubstr("a hidden path segment"));
  EXPECT_TRUE(m.requests("/resolve/").empty());
}

TEST(pull, downloads_verifies_and_registers_then_finds_it_present) {
  mock_hub_process m(fixture().dir, {});
  auto o = pull_opts(m);
  std::vector<std::string> notes;
  o.note = [&](const std::string& s) { notes.push_back(s); };
  auto r = hub::pull_model("owner/repo", o);  // the default: Q4_K_M
  EXPECT_TRUE(r.transferred);
  EXPECT_EQ(r.path, "tiny-Q4_K_M.gguf");
  EXPECT_EQ(r.files, std::vector<std::string>{o.home + "/models/owner/repo/tiny-Q4_K_M.gguf"});
  EXPECT_EQ(r.model.source, "hf:owner/repo/tiny-Q4_K_M.gguf");
  EXPECT_EQ(r.model.sha256, sha256_file(fixture().path("tiny-Q4_K_M.gguf")));
  EXPECT_THAT(m.requests("/resolve/", 1).at(0),
              HasSubstr("/owner/repo/resolve/0123456789abcdef0123456789abcdef01234567/tiny-Q4_K_M.gguf"));
  EXPECT_THAT(notes.front(), HasSubstr("pulling owner/repo tiny-Q4_K_M.gguf (Q4_K_M,"));
  auto again = hub::pull_model("owner/repo:q4_k_m", o);
  EXPECT_FALSE(again.transferred);
  EXPECT_EQ(again.model.name, r.model.name);
  EXPECT_EQ(m.requests("/resolve/", 1).size(), 1u);
  store::model_library lib({o.home, {}});
  EXPECT_EQ(lib.list().size(), 1u);
}

TEST(pull_cli, two_concurrent_pulls_download_the_file_once) {
  mock_hub_process m(fixture().dir, {"--trickle", "2000000", "--redirect"});
  std::string home = temp_dir() + "/cli-home";
  ::setenv("HF_ENDPOINT", m.endpoint.c_str(), 1);
  ::setenv("SWITCHYARD_HOME", home.c_str(), 1);
  std::vector<std::string> args{switchyard_binary(), "pull", "owner/repo:tiny-Q4_K_M.gguf"};
  child_process a(args, temp_dir() + "/pull-a.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  child_process b(args, temp_dir() + "/pull-b.log");
  auto ra = a.wait_exit(std::chrono::seconds(60)), rb = b.wait_exit(std::chrono::seconds(60));
  auto [lrc, listed] = run_cli({"ls"}, temp_dir() + "/ls.log");
  ::unsetenv("HF_ENDPOINT");
  ::unsetenv("SWITCHYARD_HOME");
  EXPECT_EQ(ra, 0) << a.output();
  EXPECT_EQ(rb, 0) << b.output();
  EXPECT_EQ(m.bytes_sent("/cdn/owner/repo/tiny-Q4_K_M.gguf"), fs::file_size(fixture().path("tiny-Q4_K_M.gguf")))
      << m.proc->output();
  std::string both = a.output() + b.output();
  EXPECT_THAT(both, HasSubstr("pulled "));
  EXPECT_THAT(both, HasSubstr("already in the store: "));
  EXPECT_THAT(both, HasSubstr("waiting for another pull of tiny-Q4_K_M.gguf"));
  EXPECT_THAT(both,
              testing::ContainsRegex("pulling [0-9.]+ [KMGi]*B of [0-9.]+ [KMGi]*B \\([0-9]+%\\)"));  // not a TTY bar
  EXPECT_EQ(lrc, 0);
  EXPECT_THAT(listed, HasSubstr("switchyard-test-llama"));
  EXPECT_EQ(files_under(home + "/models"), std::vector<std::string>{"owner/repo/tiny-Q4_K_M.gguf"});
}

TEST(pull_cli, explains_a_gated_repository) {
  mock_hub_process m(fixture().dir, {"--token", "hf_good"});
  ::setenv("HF_ENDPOINT", m.endpoint.c_str(), 1);
  ::setenv("SWITCHYARD_HOME", (temp_dir() + "/gated-home").c_str(), 1);
  auto [rc, out] = run_cli({"pull", "owner/repo"}, temp_dir() + "/gated.log");
  auto [lrc, list] = run_cli({"pull", "owner/nope", "--list"}, temp_dir() + "/nope.log");
  ::setenv("HF_TOKEN", "hf_good", 1);
  auto [okrc, files] = run_cli({"pull", "owner/repo", "--list"}, temp_dir() + "/list.log");
  ::unsetenv("HF_TOKEN");
  ::unsetenv("HF_ENDPOINT");
  ::unsetenv("SWITCHYARD_HOME");
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("error: HTTP 401: gated or private: set HF_TOKEN"));
  EXPECT_EQ(lrc, 1);
  EXPECT_THAT(list, HasSubstr("error: HTTP 401"));
  EXPECT_EQ(okrc, 0) << files;
  EXPECT_THAT(files, HasSubstr("owner/repo (default: tiny-Q4_K_M.gguf)"));
  EXPECT_THAT(files, testing::ContainsRegex("Q8_0 +[0-9.]+ [KM]iB +tiny-Q8_0.gguf"));
}
