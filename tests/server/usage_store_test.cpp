#include "server/usage_store.h"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace json = boost::json;
using sy::usage_query;
using sy::usage_record;
using sy::usage_store;

namespace {

constexpr std::int64_t minute = 60'000, hour = 60 * minute, day = 24 * hour;
constexpr std::int64_t t0 = 1'795'651'200'000;  // 2026-11-26T00:00:00Z

class usage_test : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sy-usage-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/usage.db";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<usage_store> open(sy::usage_store_options opt = {}) {
    return std::make_unique<usage_store>(
        path_, [this] { return now_.load(); }, opt);
  }

  static usage_record rec(std::int64_t at, std::string key, std::string backend, std::string model, std::int64_t in,
                          std::int64_t out, unsigned status = 200) {
    usage_record r;
    r.at_ms = at;
    r.key_id = std::move(key);
    r.route = "default";
    r.backend = backend;
    r.model = backend + "/" + model;
    r.requested_model = model;
    r.endpoint = "/v1/chat/completions";
    r.status = status;
    r.input_tokens = in;
    r.output_tokens = out;
    r.duration_us = 2000;
    return r;
  }

  static usage_query range(std::int64_t from, std::int64_t to) {
    usage_query q;
    q.from_ms = from;
    q.to_ms = to;
    return q;
  }

  static json::object summary(usage_store& s, const usage_query& q) {
    return json::parse(s.summary_json(q)).as_object();
  }
  static std::int64_t total(const json::object& o, const char* name) { return o.at("totals").at(name).as_int64(); }

  std::string dir_, path_;
  std::atomic<std::int64_t> now_{t0 + day};
};

TEST_F(usage_test, totals_and_groups_by_each_column) {
  auto s = open();
  s->record(rec(t0 + 1000, "key-aaaaaaaaaaaa", "openai", "gpt-4o", 10, 5));
  s->record(rec(t0 + 2000, "key-aaaaaaaaaaaa", "openai", "gpt-4o", 20, 7));
  s->record(rec(t0 + 3000, "key-bbbbbbbbbbbb", "local", "llama", 30, 9, 502));
  auto r = rec(t0 + 4000, "anonymous", "local", "llama", 1, 2);
  r.route = "fast";
  r.cached_tokens = 4;
  r.requested_model = "fast";
  s->record(r);
  s->flush();

  auto all = summary(*s, range(t0, t0 + day));
  EXPECT_EQ(total(all, "requests"), 4);
  EXPECT_EQ(total(all, "input_tokens"), 61);
  EXPECT_EQ(total(all, "output_tokens"), 23);
  EXPECT_EQ(total(all, "cached_tokens"), 4);
  EXPECT_EQ(total(all, "errors"), 1);
  EXPECT_EQ(total(all, "cut_short"), 0);
  EXPECT_TRUE(all.at("groups").as_array().empty());
  EXPECT_EQ(all.at("from").as_string(), "2026-11-26T00:00:00Z");
  EXPECT_EQ(all.at("to").as_string(), "2026-11-27T00:00:00Z");
  EXPECT_FALSE(all.at("truncated").as_bool());

  struct expect {
    const char* column;
    std::size_t groups;
    std::string first;  // most requests first
    std::int64_t first_requests;
  };
  for (const auto& e : {expect{"key", 3, "key-aaaaaaaaaaaa", 2}, expect{"backend", 2, "local", 2},
                        expect{"model", 2, "local/llama", 2}, expect{"route", 2, "default", 3},
                        expect{"requested_model", 3, "gpt-4o", 2}, expect{"endpoint", 1, "/v1/chat/completions", 4}}) {
    auto q = range(t0, t0 + day);
    q.group_by = {e.column};
    auto o = summary(*s, q);
    auto& g = o.at("groups").as_array();
    ASSERT_EQ(g.size(), e.groups) << e.column;
    EXPECT_EQ(g[0].at(e.column).as_string(), e.first) << e.column;
    EXPECT_EQ(g[0].at("requests").as_int64(), e.first_requests) << e.column;
    EXPECT_EQ(o.at("group_by").as_array()[0].as_string(), e.column);
  }
  // Ties on requests are ordered by the group columns: "local" before "openai".
  auto q = range(t0, t0 + day);
  q.group_by = {"status"};
  auto by_status = summary(*s, q).at("groups").as_array();
  ASSERT_EQ(by_status.size(), 2u);
  EXPECT_EQ(by_status[0].at("status").as_int64(), 200);
  EXPECT_EQ(by_status[0].at("requests").as_int64(), 3);
  EXPECT_EQ(by_status[1].at("status").as_int64(), 502);
  EXPECT_EQ(by_status[1].at("errors").as_int64(), 1);

  q.group_by = {"backend", "key"};
  auto two = summary(*s, q).at("groups").as_array();
  ASSERT_EQ(two.size(), 3u);
  EXPECT_EQ(two[0].at("backend").as_string(), "openai");
  EXPECT_EQ(two[0].at("key").as_string(), "key-aaaaaaaaaaaa");
  EXPECT_EQ(two[0].at("input_tokens").as_int64(), 30);
  EXPECT_EQ(two[0].at("output_tokens").as_int64(), 12);
  EXPECT_DOUBLE_EQ(two[0].at("avg_duration_ms").as_double(), 2.0);
  EXPECT_TRUE(two[0].at("avg_ttft_ms").is_null());
}

TEST_F(usage_test, buckets_by_minute_hour_and_day) {
  auto s = open();
  s->record(rec(t0 + 10, "k", "b", "m", 1, 1));
  s->record(rec(t0 + 59'999, "k", "b", "m", 1, 1));
  s->record(rec(t0 + minute, "k", "b", "m", 1, 1));
  s->record(rec(t0 + 2 * hour + 5, "k", "b", "m", 1, 1));
  s->record(rec(t0 + day + 1, "k", "b", "m", 1, 1));
  s->flush();

  auto q = range(t0, t0 + 2 * day);
  q.bucket = "minute";
  auto g = summary(*s, q).at("groups").as_array();
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].at("bucket_start").as_string(), "2026-11-26T00:00:00Z");
  EXPECT_EQ(g[0].at("bucket_start_ms").as_int64(), t0);
  EXPECT_EQ(g[0].at("requests").as_int64(), 2);
  EXPECT_EQ(g[1].at("bucket_start").as_string(), "2026-11-26T00:01:00Z");
  EXPECT_EQ(g[2].at("bucket_start").as_string(), "2026-11-26T02:00:00Z");
  EXPECT_EQ(g[3].at("bucket_start").as_string(), "2026-11-27T00:00:00Z");

  q.bucket = "hour";
  g = summary(*s, q).at("groups").as_array();
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].at("requests").as_int64(), 3);

  q.bucket = "day";
  q.group_by = {"backend"};
  g = summary(*s, q).at("groups").as_array();
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].at("bucket_start").as_string(), "2026-11-26T00:00:00Z");
  EXPECT_EQ(g[0].at("backend").as_string(), "b");
  EXPECT_EQ(g[0].at("requests").as_int64(), 4);
  EXPECT_EQ(g[1].at("requests").as_int64(), 1);
}

TEST_F(usage_test, filters_match_exact_values) {
  auto s = open();
  s->record(rec(t0 + 1, "key-aaaaaaaaaaaa", "openai", "gpt-4o", 10, 1));
  s->record(rec(t0 + 2, "key-bbbbbbbbbbbb", "openai", "gpt-4o", 20, 1, 429));
  s->record(rec(t0 + 3, "key-bbbbbbbbbbbb", "local", "llama", 40, 1));
  s->flush();
  auto q = range(t0, t0 + day);
  q.filters = {{"key", "key-bbbbbbbbbbbb"}};
  EXPECT_EQ(total(summary(*s, q), "input_tokens"), 60);
  q.filters = {{"key", "key-bbbbbbbbbbbb"}, {"backend", "openai"}};
  EXPECT_EQ(total(summary(*s, q), "input_tokens"), 20);
  q.filters = {{"status", "429"}};
  EXPECT_EQ(total(summary(*s, q), "requests"), 1);
  q.filters = {{"model", "openai/gpt-4o"}};
  EXPECT_EQ(total(summary(*s, q), "requests"), 2);
  q.filters = {{"model", "gpt-4o' OR '1'='1"}};  // a value, never SQL
  EXPECT_EQ(total(summary(*s, q), "requests"), 0);
  q.filters = {{"id; DROP TABLE usage", "x"}};
  EXPECT_THROW(s->summary_json(q), std::invalid_argument);
  q.filters = {};
  q.group_by = {"at_ms"};
  EXPECT_THROW(s->summary_json(q), std::invalid_argument);
  EXPECT_EQ(total(summary(*s, range(t0, t0 + day)), "requests"), 3);
}

TEST_F(usage_test, range_includes_from_and_excludes_to) {
  auto s = open();
  s->record(rec(t0 - 1, "k", "b", "m", 1, 0));
  s->record(rec(t0, "k", "b", "m", 2, 0));
  s->record(rec(t0 + hour - 1, "k", "b", "m", 4, 0));
  s->record(rec(t0 + hour, "k", "b", "m", 8, 0));
  s->flush();
  EXPECT_EQ(total(summary(*s, range(t0, t0 + hour)), "input_tokens"), 6);
  EXPECT_EQ(total(summary(*s, range(t0, t0)), "requests"), 0);
  EXPECT_EQ(total(summary(*s, range(t0 - 1, t0 + hour + 1)), "input_tokens"), 15);
  auto empty = summary(*s, range(t0 + day, t0 + 2 * day));
  EXPECT_EQ(total(empty, "requests"), 0);
  EXPECT_EQ(total(empty, "input_tokens"), 0);
  EXPECT_TRUE(empty.at("totals").at("avg_duration_ms").is_null());
}

TEST_F(usage_test, cut_short_stream_is_counted_with_what_it_produced) {
  auto s = open();
  auto r = rec(t0 + 5, "k", "b", "m", 12, 7);
  r.stream = true;
  r.complete = false;
  r.ttft_us = 1500;
  s->record(r);
  s->record(rec(t0 + 6, "k", "b", "m", 3, 3));
  s->flush();
  auto q = range(t0, t0 + day);
  q.group_by = {"model"};
  auto o = summary(*s, q);
  EXPECT_EQ(total(o, "cut_short"), 1);
  EXPECT_EQ(total(o, "output_tokens"), 10);
  auto& g = o.at("groups").as_array().at(0).as_object();
  EXPECT_EQ(g.at("cut_short").as_int64(), 1);
  EXPECT_DOUBLE_EQ(g.at("avg_ttft_ms").as_double(), 1.5);  // only requests that reported one
}

TEST_F(usage_test, negative_counters_are_stored_as_zero_and_long_text_is_cut) {
  auto s = open();
  auto r = rec(t0 + 5, "k", "b", std::string(1000, 'x'), -5, -1);
  r.cached_tokens = -3;
  s->record(r);
  s->flush();
  auto q = range(t0, t0 + day);
  q.group_by = {"requested_model"};
  auto o = summary(*s, q);
  EXPECT_EQ(total(o, "input_tokens"), 0);
  EXPECT_EQ(total(o, "output_tokens"), 0);
  EXPECT_EQ(total(o, "cached_tokens"), 0);
  EXPECT_EQ(o.at("groups").as_array()[0].at("requested_model").as_string().size(), 256u);
}

TEST_F(usage_test, groups_are_capped) {
  auto s = open();
  for (int i = 0; i < int(usage_store::max_groups) + 5; ++i)
    s->record(rec(t0 + i, "k", "b", "m" + std::to_string(i), 1, 1));
  s->flush();
  auto q = range(t0, t0 + day);
  q.group_by = {"requested_model"};
  auto o = summary(*s, q);
  EXPECT_EQ(o.at("groups").as_array().size(), usage_store::max_groups);
  EXPECT_TRUE(o.at("truncated").as_bool());
  EXPECT_EQ(total(o, "requests"), std::int64_t(usage_store::max_groups) + 5);
}

// Rows are inserted in groups of 32 (one statement each) and the rest one by one: every row of
// a group keeps its own values.
TEST_F(usage_test, every_row_of_a_batch_keeps_its_own_columns) {
  auto s = open();
  const int n = 70;  // two groups and six single rows
  for (int i = 0; i < n; ++i) {
    auto r = rec(t0 + i, "key-" + std::to_string(i % 3), "b" + std::to_string(i), "m" + std::to_string(i), 1000 + i, i,
                 i % 5 ? 200u : 500u);
    r.cached_tokens = 2 * i;
    r.stream = i % 2;
    r.duration_us = 1000 * i;
    s->record(r);
  }
  s->flush();
  auto q = range(t0, t0 + day);
  q.group_by = {"requested_model", "backend", "key", "status"};
  auto o = summary(*s, q);
  auto groups = o.at("groups").as_array();
  ASSERT_EQ(groups.size(), std::size_t(n));
  for (const auto& g : groups) {
    const auto& row = g.as_object();
    int i = std::stoi(std::string(row.at("requested_model").as_string()).substr(1));
    EXPECT_EQ(row.at("backend").as_string(), "b" + std::to_string(i));
    EXPECT_EQ(row.at("key").as_string(), "key-" + std::to_string(i % 3));
    EXPECT_EQ(row.at("status").as_int64(), i % 5 ? 200 : 500);
    EXPECT_EQ(row.at("input_tokens").as_int64(), 1000 + i);
    EXPECT_EQ(row.at("output_tokens").as_int64(), i);
    EXPECT_EQ(row.at("cached_tokens").as_int64(), 2 * i);
    EXPECT_EQ(row.at("requests").as_int64(), 1);
  }
  EXPECT_EQ(total(o, "errors"), 14);
}

TEST_F(usage_test, a_full_queue_drops_and_counts_without_blocking) {
  sy::usage_store_options opt;
  opt.queue_limit = 4;
  opt.flush_interval = std::chrono::hours(1);  // the writer only wakes for flush()
  auto s = open(opt);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) s->record(rec(t0 + i, "k", "b", "m", 1, 1));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(s->dropped(), 996u);
  s->flush();
  EXPECT_EQ(total(summary(*s, range(t0, t0 + day)), "requests"), 4);
  s->record(rec(t0 + 5000, "k", "b", "m", 1, 1));  // room again once written
  s->flush();
  EXPECT_EQ(total(summary(*s, range(t0, t0 + day)), "requests"), 5);
  EXPECT_EQ(s->dropped(), 996u);
}

TEST_F(usage_test, batches_are_written_without_flush) {
  sy::usage_store_options opt;
  opt.batch_size = 8;
  opt.flush_interval = std::chrono::hours(1);
  auto s = open(opt);
  for (int i = 0; i < 8; ++i) s->record(rec(t0 + i, "k", "b", "m", 1, 1));
  std::int64_t n = 0;
  for (int i = 0; i < 500 && n < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    n = total(summary(*s, range(t0, t0 + day)), "requests");
  }
  EXPECT_EQ(n, 8);
}

TEST_F(usage_test, records_persist_across_reopen_and_destructor_flushes) {
  {
    auto s = open();
    s->record(rec(t0 + 1, "k", "b", "m", 11, 1));
    s->record(rec(t0 + 2, "k", "b", "m", 22, 1));
  }  // no flush(): the destructor writes the queue
  auto s = open();
  EXPECT_EQ(total(summary(*s, range(t0, t0 + day)), "input_tokens"), 33);
  s->record(rec(t0 + 3, "k", "b", "m", 100, 1));
  s->flush();
  EXPECT_EQ(total(summary(*s, range(t0, t0 + day)), "input_tokens"), 133);
}

TEST_F(usage_test, refuses_a_file_that_is_not_a_ledger) {
  {
    std::ofstream f(path_);
    f << "this is not a database, just some text that is long enough to be looked at........";
  }
  EXPECT_THROW(open(), std::runtime_error);
  std::filesystem::remove(path_);
  EXPECT_THROW(usage_store(dir_ + "/missing/usage.db"), std::runtime_error);
}

TEST_F(usage_test, prunes_with_the_injected_clock) {
  now_ = t0;
  auto s = open();
  s->record(rec(t0 - 89 * day, "k", "b", "m", 1, 0));
  s->record(rec(t0 - 10 * day, "k", "b", "m", 2, 0));
  s->record(rec(t0 - 1, "k", "b", "m", 4, 0));
  s->flush();
  auto everything = range(0, t0 + 400 * day);
  EXPECT_EQ(total(summary(*s, everything), "input_tokens"), 7);

  now_ = t0 + 2 * day;  // a day since the last prune: the writer prunes past 90 days
  s->flush();
  EXPECT_EQ(total(summary(*s, everything), "input_tokens"), 6);

  s->prune(t0 - 5 * day);
  EXPECT_EQ(total(summary(*s, everything), "input_tokens"), 4);
  s.reset();

  now_ = t0 + 91 * day;  // pruned as the writer starts, before anything flush() waits for
  s = open();
  s->flush();
  EXPECT_EQ(total(summary(*s, everything), "requests"), 0);
}

// The ids of the request log's first page (newest first).
std::vector<std::int64_t> logged_ids(usage_store& s) {
  auto q = usage_store::parse_request_page("limit=500", t0);
  std::vector<std::int64_t> ids;
  auto page = json::parse(s.requests_json(std::get<sy::request_page_query>(q)));  // named: see tests/lint
  for (const auto& r : page.at("requests").as_array()) ids.push_back(r.at("id").as_int64());
  return ids;
}

TEST_F(usage_test, requests_past_their_retention_leave_the_log_and_stay_in_the_usage) {
  now_ = t0;
  sy::usage_store_options opt;
  opt.requests_retention_ms = day;
  auto s = open(opt);
  auto old_ok = rec(t0 - 3 * day + 5 * minute, "k1", "b", "m", 10, 20);
  old_ok.ttft_us = 1000;
  auto old_cut = rec(t0 - 3 * day + 7 * minute, "k1", "b", "m", 1, 2);
  old_cut.complete = false;
  old_cut.duration_us = 8000;
  auto old_err = rec(t0 - 3 * day + 9 * minute, "k2", "b", "m", 0, 0, 502);
  auto recent = rec(t0 - hour, "k2", "b", "m", 100, 200);
  recent.ttft_us = 3000;
  for (const auto& r : {old_ok, old_cut, old_err, recent}) s->record(r);
  s->flush();
  auto everything = range(t0 - 10 * day, t0 + day);
  auto by_key = everything;
  by_key.group_by = {"key"};
  by_key.bucket = "day";
  auto before = summary(*s, everything);
  auto before_groups = summary(*s, by_key);
  ASSERT_EQ(logged_ids(*s).size(), 4u);

  s->compact(t0);
  EXPECT_EQ(logged_ids(*s).size(), 1u);  // only the recent one is still a request of its own
  auto after = summary(*s, everything);
  EXPECT_EQ(after.at("totals"), before.at("totals"));
  EXPECT_EQ(total(after, "requests"), 4);
  EXPECT_EQ(total(after, "errors"), 1);
  EXPECT_EQ(total(after, "cut_short"), 1);
  EXPECT_DOUBLE_EQ(after.at("totals").at("avg_ttft_ms").as_double(), 2.0);
  EXPECT_EQ(summary(*s, by_key).at("groups"), before_groups.at("groups"));

  // a filter reads the hourly totals as it reads the log
  auto k1 = everything;
  k1.filters = {{"key", "k1"}};
  EXPECT_EQ(total(summary(*s, k1), "input_tokens"), 11);
  auto errors = everything;
  errors.filters = {{"status", "502"}};
  EXPECT_EQ(total(summary(*s, errors), "requests"), 1);
}

TEST_F(usage_test, the_row_cap_keeps_the_newest_requests_and_every_token) {
  now_ = t0;
  sy::usage_store_options opt;
  opt.max_request_rows = 10;
  auto s = open(opt);
  for (int i = 0; i < 25; ++i) s->record(rec(t0 - 30 * minute + i * minute, "k", "b", "m", 1, 2));
  s->flush();  // the writer compacts by itself after a twentieth of the cap
  s->compact(t0);
  auto ids = logged_ids(*s);
  ASSERT_EQ(ids.size(), 10u);
  EXPECT_EQ(ids.front(), 25);
  EXPECT_EQ(ids.back(), 16);
  auto all = summary(*s, range(t0 - day, t0 + day));
  EXPECT_EQ(total(all, "requests"), 25);
  EXPECT_EQ(total(all, "output_tokens"), 50);
}

TEST_F(usage_test, an_hour_summed_twice_adds_up) {
  now_ = t0;
  sy::usage_store_options opt;
  opt.requests_retention_ms = hour;
  auto s = open(opt);
  s->record(rec(t0 - 3 * hour + minute, "k", "b", "m", 1, 0));
  s->flush();
  s->compact(t0);
  s->record(rec(t0 - 3 * hour + 2 * minute, "k", "b", "m", 2, 0));
  s->flush();
  s->compact(t0);
  EXPECT_TRUE(logged_ids(*s).empty());
  auto hourly = range(t0 - day, t0 + day);
  hourly.bucket = "hour";
  auto groups = summary(*s, hourly).at("groups").as_array();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].at("requests").as_int64(), 2);
  EXPECT_EQ(groups[0].at("input_tokens").as_int64(), 3);
  EXPECT_EQ(groups[0].at("bucket_start_ms").as_int64(), t0 - 3 * hour);
}

TEST_F(usage_test, retention_follows_set_retention) {
  now_ = t0;
  auto s = open();
  for (int i = 0; i < 5; ++i) s->record(rec(t0 - 2 * day, "k", "b", "m", 1, 0));
  s->flush();
  s->compact(t0);
  EXPECT_EQ(logged_ids(*s).size(), 5u);  // within the default 7 days
  sy::usage_store_options shorter;
  shorter.requests_retention_ms = day;
  s->set_retention(shorter);
  s->compact(t0);
  EXPECT_TRUE(logged_ids(*s).empty());
  shorter.retention_ms = day;  // and the totals go after the usage retention
  s->set_retention(shorter);
  s->compact(t0);
  EXPECT_EQ(total(summary(*s, range(0, t0 + day)), "requests"), 0);
}

TEST_F(usage_test, kept_bodies_go_with_their_own_request_and_leave_with_it) {
  now_ = t0;
  sy::usage_store_options opt;
  opt.requests_retention_ms = day;
  auto s = open(opt);
  // 40 rows: one group insert of 32 and 8 single ones; bodies kept for rows 5, 32 and 37
  for (int i = 1; i <= 40; ++i) {
    auto r = rec(i <= 32 ? t0 - 2 * day : t0 - hour, "k", "b", "m", 1, 1);
    if (i == 5 || i == 32 || i == 37) {
      r.captured = true;
      r.request_body = "asked " + std::to_string(i);
      r.response_body = "sent " + std::to_string(i);
    }
    s->record(r);
  }
  s->flush();
  for (int i : {5, 32, 37}) {
    auto body = s->bodies_json(i);
    ASSERT_TRUE(body) << i;
    auto o = json::parse(*body).as_object();
    EXPECT_EQ(o.at("request").as_string(), "asked " + std::to_string(i));
    EXPECT_EQ(o.at("response").as_string(), "sent " + std::to_string(i));
  }
  EXPECT_FALSE(s->bodies_json(6));
  auto q = std::get<sy::request_page_query>(usage_store::parse_request_page("limit=5", t0));
  auto page = json::parse(s->requests_json(q));  // named: see tests/lint
  std::vector<bool> flags;
  for (const auto& r : page.at("requests").as_array()) flags.push_back(r.at("bodies").as_bool());
  EXPECT_EQ(flags, (std::vector<bool>{false, false, false, true, false}));  // ids 40..36
  s->compact(t0);  // rows 1-32 leave the log, and their bodies with them
  EXPECT_FALSE(s->bodies_json(5));
  EXPECT_FALSE(s->bodies_json(32));
  EXPECT_TRUE(s->bodies_json(37));
  s->prune(t0);  // and the rest
  EXPECT_FALSE(s->bodies_json(37));
}

TEST_F(usage_test, the_key_itself_never_reaches_the_database) {
  const std::string secret = "sk-live-5f3a9c1e7b2d4a60";
  {
    auto s = open();
    s->record(rec(t0 + 1, sy::usage_key_id(secret), "b", "m", 1, 1));
    s->flush();
    auto q = range(t0, t0 + day);
    q.group_by = {"key"};
    auto text = s->summary_json(q);
    EXPECT_THAT(text, testing::HasSubstr(sy::usage_key_id(secret)));
    EXPECT_THAT(text, testing::Not(testing::HasSubstr(secret)));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {  // the database, its WAL
    std::ifstream f(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(secret), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("5f3a9c1e7b2d"), std::string::npos) << entry.path();
  }
}

// ---- key ids ----

TEST(usage_key_id, hashes_the_key_and_never_contains_it) {
  EXPECT_EQ(sy::usage_key_id(""), "anonymous");
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  EXPECT_EQ(sy::usage_key_id("abc"), "key-ba7816bf8f01");
  for (std::string key : {"sk-secret-1234567890", "key-ba7816bf8f01", "sk-proj-abcdef", "0123456789abcdef"}) {
    auto id = sy::usage_key_id(key);
    EXPECT_THAT(id, testing::MatchesRegex("key-[0-9a-f]{12}"));
    EXPECT_EQ(id.find(key), std::string::npos) << key;
    EXPECT_EQ(id, sy::usage_key_id(key));
  }
  EXPECT_NE(sy::usage_key_id("sk-one"), sy::usage_key_id("sk-two"));
}

// ---- query parsing ----

usage_query parsed(std::string_view qs, std::int64_t now = t0 + day) {
  auto r = usage_store::parse_usage_query(qs, now);
  if (auto* err = std::get_if<std::string>(&r)) ADD_FAILURE() << qs << ": " << *err;
  return std::get_if<usage_query>(&r) ? std::get<usage_query>(r) : usage_query{};
}

std::string refused(std::string_view qs, std::int64_t now = t0 + day) {
  auto r = usage_store::parse_usage_query(qs, now);
  if (auto* err = std::get_if<std::string>(&r)) return *err;
  ADD_FAILURE() << qs << " was accepted";
  return {};
}

TEST(usage_query_parse, defaults_to_the_last_day) {
  auto q = parsed("");
  EXPECT_EQ(q.from_ms, t0);
  EXPECT_EQ(q.to_ms, t0 + day);
  EXPECT_TRUE(q.group_by.empty());
  EXPECT_EQ(q.bucket, "");
  EXPECT_TRUE(q.filters.empty());
  q = parsed("to=2026-11-20T00:00:00Z");
  EXPECT_EQ(q.from_ms, t0 - 7 * day);
  EXPECT_EQ(q.to_ms, t0 - 6 * day);
}

TEST(usage_query_parse, accepts_time_forms) {
  EXPECT_EQ(parsed("from=2026-11-26T00:00:00Z").from_ms, t0);
  EXPECT_EQ(parsed("from=2026-11-26t00:00:00z").from_ms, t0);
  EXPECT_EQ(parsed("from=2026-11-26").from_ms, t0);
  EXPECT_EQ(parsed("from=2026-11-26T00:00:01.25Z").from_ms, t0 + 1250);
  EXPECT_EQ(parsed("from=2026-11-26T01:00:00%2B01:00").from_ms, t0);
  EXPECT_EQ(parsed("from=2026-11-26T01:00:00+01:00").from_ms, t0);  // '+' decoded to ' '
  EXPECT_EQ(parsed("from=2026-11-25T23:00:00-01:00").from_ms, t0);
  EXPECT_EQ(parsed("from=2026-11-26T00%3A00%3A00Z").from_ms, t0);
  EXPECT_EQ(parsed("from=1795651200").from_ms, t0);
  EXPECT_EQ(parsed("from=-15m").from_ms, t0 + day - 15 * minute);
  EXPECT_EQ(parsed("from=-24h").from_ms, t0);
  EXPECT_EQ(parsed("from=-7d&to=now").from_ms, t0 + day - 7 * day);
  EXPECT_EQ(parsed("from=-30s").from_ms, t0 + day - 30'000);
  EXPECT_EQ(parsed("from=-2w").from_ms, t0 + day - 14 * day);
  auto q = parsed("from=2026-11-26T00:00:00Z&to=2026-11-26T00:00:00Z");
  EXPECT_EQ(q.from_ms, q.to_ms);
  auto leap = parsed("from=2024-02-29&to=2024-03-01");
  EXPECT_EQ(leap.from_ms, 1'709'164'800'000);
  EXPECT_EQ(leap.to_ms - leap.from_ms, day);  // 2024-02-29 exists
}

TEST(usage_query_parse, accepts_group_by_bucket_and_filters) {
  auto q = parsed("group_by=model,backend&bucket=hour&key=key-1a2b&status=200&&route=a%20b&requested_model=");
  EXPECT_THAT(q.group_by, testing::ElementsAre("model", "backend"));
  EXPECT_EQ(q.bucket, "hour");
  EXPECT_EQ(q.filters.at("key"), "key-1a2b");
  EXPECT_EQ(q.filters.at("status"), "200");
  EXPECT_EQ(q.filters.at("route"), "a b");
  EXPECT_EQ(q.filters.at("requested_model"), "");
  EXPECT_TRUE(parsed("group_by=&bucket=").group_by.empty());
  for (auto g : {"key", "route", "backend", "model", "requested_model", "endpoint", "status"})
    EXPECT_THAT(parsed(std::string("group_by=") + g).group_by, testing::ElementsAre(g));
  for (auto b : {"minute", "hour", "day"}) EXPECT_EQ(parsed(std::string("bucket=") + b).bucket, b);
}

TEST(usage_query_parse, refusals_say_why) {
  using testing::HasSubstr;
  EXPECT_THAT(refused("foo=1"), HasSubstr("unknown parameter 'foo'"));
  EXPECT_THAT(refused("=1"), HasSubstr("unknown parameter ''"));
  EXPECT_THAT(refused("group_by=model,tokens"), HasSubstr("unknown group_by 'tokens'"));
  EXPECT_THAT(refused("group_by=model,,backend"), HasSubstr("unknown group_by ''"));
  EXPECT_THAT(refused("group_by=model,model"), HasSubstr("twice"));
  EXPECT_THAT(refused("bucket=week"), HasSubstr("unknown bucket 'week'"));
  EXPECT_THAT(refused("from=1&from=2"), HasSubstr("from is given twice"));
  EXPECT_THAT(refused("status=ok"), HasSubstr("status must be a number"));
  EXPECT_THAT(refused("status=20000"), HasSubstr("status must be a number"));
  for (auto bad : {"yesterday", "2026-13-01T00:00:00Z", "2026-02-30", "2026-11-26T24:00:00Z", "2026-11-26T00:00:00",
                   "2026-11-26T00:00Z", "-5y", "-h", "--5h", "1.5", "2026-11-26T00:00:00.Z", "-9999999999d"})
    EXPECT_THAT(refused(std::string("from=") + bad), HasSubstr("is not a time")) << bad;
  EXPECT_THAT(refused("from=1969-12-31T00:00:00Z"), HasSubstr("is not a time"));
  EXPECT_THAT(refused("from=-999999999w"), HasSubstr("out of range"));
  EXPECT_THAT(refused("to=999999999999"), HasSubstr("out of range"));
  EXPECT_THAT(refused("from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z"), HasSubstr("is after to"));
  EXPECT_THAT(refused("from=-1d&to=-2d"), HasSubstr("is after to"));
  EXPECT_THAT(refused("from=2025-01-01&to=2026-11-26"), HasSubstr("longer than 400 days"));
  EXPECT_THAT(refused("key=%zz"), HasSubstr("bad percent-encoding"));
  EXPECT_THAT(refused("key=abc%4"), HasSubstr("bad percent-encoding"));
  EXPECT_THAT(refused("key=a%0Ab"), HasSubstr("control character"));
  EXPECT_THAT(refused("key=a%00b"), HasSubstr("control character"));
  EXPECT_THAT(refused("key=" + std::string(300, 'a')), HasSubstr("longer than 256 bytes"));
  EXPECT_THAT(refused("key=" + std::string(5000, 'a')), HasSubstr("longer than 4096 bytes"));
  std::string many;
  for (int i = 0; i < 40; ++i) many += "key=a&";
  EXPECT_THAT(refused(many), HasSubstr("more than 32 parameters"));
  // A long unknown name is quoted short.
  EXPECT_LT(refused(std::string(1000, 'x') + "=1").size(), 300u);
}

TEST(usage_query_parse, exactly_400_days_is_allowed) {
  auto q = parsed("from=-400d");
  EXPECT_EQ(q.to_ms - q.from_ms, 400 * day);
}

}  // namespace
