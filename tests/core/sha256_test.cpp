#include "core/sha256.h"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string digest_of(const std::string& text) {
  sy::sha256_hasher h;
  h.update(text.data(), text.size());
  return h.hex_digest();
}

TEST(sha256, known_digests) {
  EXPECT_EQ(digest_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256, incremental_updates_match_one_update) {
  sy::sha256_hasher h;
  h.update("a", 1);
  h.update("bc", 2);
  EXPECT_EQ(h.hex_digest(), digest_of("abc"));
}

TEST(sha256, hashes_a_file_and_reports_progress) {
  auto path = fs::temp_directory_path() / ("sy-sha256-test-" + std::to_string(::getpid()));
  std::string text(5'000'000, 'x');  // more than one 4 MiB read
  std::ofstream(path, std::ios::binary) << text;
  std::uint64_t last = 0;
  EXPECT_EQ(sy::sha256_file(path.string(), [&](std::uint64_t done) { last = done; }), digest_of(text));
  EXPECT_EQ(last, text.size());
  fs::remove(path);
}

TEST(sha256, a_missing_file_is_an_error) {
  EXPECT_THROW(
      {
        try {
          sy::sha256_file("/nonexistent/sy-sha256-test");
        } catch (const sy::sha256_error& e) {
          EXPECT_THAT(e.what(), testing::HasSubstr("cannot open"));
          throw;
        }
      },
      sy::sha256_error);
}

}  // namespace
