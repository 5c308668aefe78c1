// The request log's pages over the ledger (GET /api/requests): keyset paging, filters, the
// fields of a row, the query string's refusals, and a version 1 ledger gaining its columns.
#include <sqlite3.h>

#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "../support/child_process.h"
#include "server/usage_store.h"

namespace json = boost::json;
using sy::request_page_query;
using sy::usage_record;
using sy::usage_store;
using testing::HasSubstr;

namespace {

constexpr std::int64_t t0 = 1'795'651'200'000;  // 2026-11-26T00:00:00Z

class request_log_test : public testing::Test {
 protected:
  std::unique_ptr<usage_store> open() {
    return std::make_unique<usage_store>(path_, [] { return t0 + 1000; });
  }

  static usage_record rec(std::int64_t at, std::string model, unsigned status = 200) {
    usage_record r;
    r.at_ms = at;
    r.key_id = "key-abc";
    r.route = "chat";
    r.backend = "b";
    r.model = "b/" + model;
    r.requested_model = model;
    r.endpoint = "/v1/chat/completions";
    r.status = status;
    r.input_tokens = 10;
    r.output_tokens = 20;
    r.duration_us = 2'000'000;
    r.request_id = "req-" + std::to_string(at);
    return r;
  }

  static json::object page(usage_store& s, const request_page_query& q) {
    return json::parse(s.requests_json(q)).as_object();
  }

  static request_page_query parsed(std::string_view query_string) {
    auto got = usage_store::parse_request_page(query_string, t0);
    if (auto* why = std::get_if<std::string>(&got)) ADD_FAILURE() << *why;
    return std::get<request_page_query>(got);
  }
  static std::string refused(std::string_view query_string) {
    auto got = usage_store::parse_request_page(query_string, t0);
    EXPECT_TRUE(std::holds_alternative<std::string>(got)) << query_string;
    auto* why = std::get_if<std::string>(&got);
    return why ? *why : "";
  }

  std::string path_ = sy::test::temp_dir() + "/usage.db";
};

}  // namespace

TEST_F(request_log_test, pages_go_newest_first_through_every_row_exactly_once) {
  auto s = open();
  for (int i = 0; i < 1000; ++i) s->record(rec(t0 + i, i % 2 ? "odd" : "even"));
  s->flush();
  request_page_query q;
  q.limit = 64;
  q.to_ms = std::numeric_limits<std::int64_t>::max();
  std::set<std::int64_t> seen;
  std::int64_t last = std::numeric_limits<std::int64_t>::max();
  int pages = 0;
  for (;;) {
    auto p = page(*s, q);
    ++pages;
    for (const auto& row : p.at("requests").as_array()) {
      auto id = row.at("id").as_int64();
      EXPECT_LT(id, last);  // newest first, no repeats across pages
      last = id;
      seen.insert(id);
    }
    if (p.at("next_before").is_null()) break;
    q.before_id = p.at("next_before").as_int64();
    ASSERT_LT(pages, 100);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(pages, 16);  // 15 full pages of 64 and one of 40
}

TEST_F(request_log_test, filters_by_column_status_class_and_time) {
  auto s = open();
  s->record(rec(t0 + 1, "a", 200));
  s->record(rec(t0 + 2, "a", 429));
  s->record(rec(t0 + 3, "b", 502));
  s->record(rec(t0 + 4, "b", 200));
  s->flush();
  auto ids = [&](std::string_view query_string) {
    std::vector<std::string> out;
    auto p = page(*s, parsed(query_string));  // named: a range-for would not keep a temporary alive
    for (const auto& row : p.at("requests").as_array()) out.emplace_back(row.at("request_id").as_string());
    return out;
  };
  using V = std::vector<std::string>;
  auto id = [](int i) { return "req-" + std::to_string(t0 + i); };
  EXPECT_EQ(ids(""), (V{id(4), id(3), id(2), id(1)}));
  EXPECT_EQ(ids("model=b%2Fa"), (V{id(2), id(1)}));  // the target
  EXPECT_EQ(ids("requested_model=b"), (V{id(4), id(3)}));
  EXPECT_EQ(ids("status=error"), (V{id(3), id(2)}));
  EXPECT_EQ(ids("status=4xx"), (V{id(2)}));
  EXPECT_EQ(ids("status=200&requested_model=b"), (V{id(4)}));
  // from is inclusive, to exclusive (unix seconds and RFC 3339 as for /api/usage)
  EXPECT_EQ(ids("from=2026-11-26T00:00:00.002Z&to=2026-11-26T00:00:00.004Z"), (V{id(3), id(2)}));
  EXPECT_EQ(ids("backend=nobody"), V{});
  EXPECT_EQ(ids("limit=1&before=3"), (V{id(2)}));
}

TEST_F(request_log_test, a_row_carries_what_the_requests_page_shows) {
  auto s = open();
  auto r = rec(t0 + 5, "m");
  r.endpoint = "/v1/messages";
  r.stream = true;
  r.ttft_us = 500'000;  // 0.5 s to the first byte, then 19 more tokens in 1.5 s
  r.attempts = "b/x: connect refused";
  r.error = "";
  s->record(r);
  auto failed = rec(t0 + 6, "m", 502);
  failed.endpoint = "/api/chat";
  failed.output_tokens = 0;
  failed.error = "every target failed";
  s->record(failed);
  s->flush();
  auto rows = page(*s, parsed("")).at("requests").as_array();
  ASSERT_EQ(rows.size(), 2u);
  const auto& ok = rows.at(1).as_object();
  EXPECT_EQ(ok.at("api").as_string(), "anthropic");
  EXPECT_EQ(ok.at("request_id").as_string(), "req-" + std::to_string(t0 + 5));
  EXPECT_EQ(ok.at("at").as_string(), "2026-11-26T00:00:00.005Z");
  EXPECT_EQ(ok.at("model").as_string(), "m");
  EXPECT_EQ(ok.at("target").as_string(), "b/m");
  EXPECT_EQ(ok.at("key").as_string(), "key-abc");
  EXPECT_DOUBLE_EQ(ok.at("ttft_ms").as_double(), 500.0);
  EXPECT_DOUBLE_EQ(ok.at("duration_ms").as_double(), 2000.0);
  EXPECT_DOUBLE_EQ(ok.at("tokens_per_s").as_double(), 19 / 1.5);
  EXPECT_EQ(ok.at("attempts").as_string(), "b/x: connect refused");
  const auto& bad = rows.at(0).as_object();
  EXPECT_EQ(bad.at("api").as_string(), "ollama");
  EXPECT_EQ(bad.at("status").as_int64(), 502);
  EXPECT_TRUE(bad.at("ttft_ms").is_null());
  EXPECT_TRUE(bad.at("tokens_per_s").is_null());
  EXPECT_EQ(bad.at("error").as_string(), "every target failed");
}

TEST_F(request_log_test, bad_query_strings_are_refused_with_the_reason) {
  EXPECT_THAT(refused("limit=0"), HasSubstr("limit"));
  EXPECT_THAT(refused("limit=501"), HasSubstr("1 to 500"));
  EXPECT_THAT(refused("before=-3"), HasSubstr("row id"));
  EXPECT_THAT(refused("before=x"), HasSubstr("row id"));
  EXPECT_THAT(refused("status=6xx"), HasSubstr("status"));
  EXPECT_THAT(refused("status=2000"), HasSubstr("status"));
  EXPECT_THAT(refused("group_by=model"), HasSubstr("unknown parameter 'group_by'"));
  EXPECT_THAT(refused("password=1"), HasSubstr("unknown parameter"));
  EXPECT_THAT(refused("from=now&to=-1h"), HasSubstr("is after"));
  EXPECT_THAT(refused("limit=5&limit=6"), HasSubstr("twice"));
  auto q = parsed("limit=500&before=77&status=5xx&from=-1h");
  EXPECT_EQ(q.limit, 500u);
  EXPECT_EQ(q.before_id, 77);
  EXPECT_EQ(q.status_min, 500u);
  EXPECT_EQ(q.status_max, 599u);
  EXPECT_EQ(q.from_ms, t0 - 3'600'000);
}

TEST_F(request_log_test, a_version_1_ledger_gains_the_request_columns_and_keeps_its_rows) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const char* v1 = R"sql(
CREATE TABLE usage (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, key_id TEXT NOT NULL, route TEXT NOT NULL,
  backend TEXT NOT NULL, model TEXT NOT NULL, requested_model TEXT NOT NULL, endpoint TEXT NOT NULL,
  status INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL, stream INTEGER NOT NULL, complete INTEGER NOT NULL, duration_us INTEGER NOT NULL,
  ttft_us INTEGER NOT NULL);
CREATE INDEX usage_at_ms ON usage (at_ms);
INSERT INTO usage VALUES (1, 1795651200000, 'key-old', '', 'b', 'b/old', 'old', '/v1/chat/completions', 200, 1, 2,
  0, 0, 1, 1000, -1);
PRAGMA user_version = 1;
)sql";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto s = open();
  s->record(rec(t0 + 9, "new"));
  s->flush();
  auto rows = page(*s, parsed("")).at("requests").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at(0).at("request_id").as_string(), "req-" + std::to_string(t0 + 9));
  EXPECT_EQ(rows.at(1).at("model").as_string(), "old");
  EXPECT_EQ(rows.at(1).at("request_id").as_string(), "");
  s.reset();
  auto again = open();  // version 3 now: opens as it is
  EXPECT_EQ(page(*again, parsed("")).at("requests").as_array().size(), 2u);
}
