#include "server/dashboard.h"

#include <gtest/gtest.h>

namespace sy::dashboard {
namespace {

const asset script{.path = "/ui/assets/main-ABC.js",
                   .content_type = "text/javascript; charset=utf-8",
                   .etag = R"("abc123")",
                   .immutable = true,
                   .identity = "let x = 1;",
                   .gzip = "GZ",
                   .brotli = "BR"};
const asset page{.path = "/ui/index.html",
                 .content_type = "text/html; charset=utf-8",
                 .etag = R"("p1")",
                 .immutable = false,
                 .identity = "<!doctype html>",
                 .gzip = "gz-page",
                 .brotli = "br-page"};

TEST(Dashboard, serves_brotli_then_gzip_then_identity_as_the_client_accepts) {
  auto br = serve(script, "gzip, deflate, br, zstd", "");
  EXPECT_EQ(br.status, 200u);
  EXPECT_EQ(br.get("Content-Encoding"), "br");
  EXPECT_EQ(br.body, "BR");
  auto gz = serve(script, "gzip;q=1.0, br;q=0", "");
  EXPECT_EQ(gz.get("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.body, "GZ");
  auto plain = serve(script, "", "");
  EXPECT_EQ(plain.get("Content-Encoding"), "");
  EXPECT_EQ(plain.body, "let x = 1;");
  auto refused = serve(script, "GZIP;q=0.000, BR;Q=0", "");
  EXPECT_EQ(refused.body, "let x = 1;");
  auto upper = serve(script, " Br ", "");
  EXPECT_EQ(upper.body, "BR");
  for (const auto* r : {&br, &gz, &plain}) {
    EXPECT_EQ(r->get("Vary"), "Accept-Encoding");
    EXPECT_EQ(r->get("Content-Type"), "text/javascript; charset=utf-8");
  }
}

TEST(Dashboard, a_matching_etag_gets_304_without_a_body) {
  for (std::string_view inm : {R"("abc123")", R"(W/"abc123")", R"("zzz", "abc123")", "*"}) {
    auto r = serve(script, "br", inm);
    EXPECT_EQ(r.status, 304u) << inm;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.get("ETag"), R"("abc123")");
  }
  EXPECT_EQ(serve(script, "br", R"("other")").status, 200u);
  EXPECT_EQ(serve(script, "br", R"("abc12")").status, 200u);
}

TEST(Dashboard, hashed_files_are_cached_for_a_year_and_the_page_is_revalidated) {
  EXPECT_EQ(serve(script, "", "").get("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(serve(page, "", "").get("Cache-Control"), "no-cache");
}

TEST(Dashboard, every_reply_carries_the_security_headers) {
  for (const auto& r : {serve(page, "", ""), serve(page, "", R"("p1")"), not_built()}) {
    auto csp = r.get("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string_view::npos);
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string_view::npos);
    EXPECT_EQ(r.get("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.get("X-Frame-Options"), "DENY");
    EXPECT_EQ(r.get("Referrer-Policy"), "no-referrer");
  }
}

TEST(Dashboard, browsers_get_the_page_and_api_clients_do_not) {
  EXPECT_TRUE(wants_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
  EXPECT_TRUE(wants_html("TEXT/HTML"));
  EXPECT_FALSE(wants_html(""));
  EXPECT_FALSE(wants_html("*/*"));
  EXPECT_FALSE(wants_html("application/json"));
  EXPECT_FALSE(wants_html("text/html;q=0, application/json"));
  EXPECT_FALSE(wants_html("text/htmlx"));
}

TEST(Dashboard, only_embedded_files_under_ui_are_found) {
  EXPECT_EQ(find("/etc/passwd"), nullptr);
  EXPECT_EQ(find("/ui/../etc/passwd"), nullptr);
  EXPECT_EQ(find("/ui/assets/none.js"), nullptr);
  EXPECT_EQ(find("/v1/models"), nullptr);
  // a build without the dashboard (-DSWITCHYARD_UI=OFF) has no files at all
  ASSERT_EQ(assets().empty(), !SY_DASHBOARD_BUILT);
  if (!SY_DASHBOARD_BUILT) return;
  for (std::string_view index : {"/", "/ui", "/ui/", "/ui/index.html"}) {
    const auto* a = find(index);
    ASSERT_NE(a, nullptr) << index;
    EXPECT_EQ(a->path, "/ui/index.html");
    EXPECT_FALSE(a->immutable);
  }
  for (const auto& a : assets()) {
    EXPECT_EQ(find(a.path), &a);
    EXPECT_FALSE(a.identity.empty());
    EXPECT_FALSE(a.gzip.empty());
    EXPECT_FALSE(a.brotli.empty());
    EXPECT_EQ(a.immutable, a.path.starts_with("/ui/assets/")) << a.path;
  }
}

}  // namespace
}  // namespace sy::dashboard
