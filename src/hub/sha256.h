#pragma once
// SHA-256 (OpenSSL) for download verification: incremental, or over a file. One object per
// thread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sy::hub {

class sha256_hasher {
 public:
  sha256_hasher();
  ~sha256_hasher();
  sha256_hasher(const sha256_hasher&) = delete;
  sha256_hasher& operator=(const sha256_hasher&) = delete;
  void update(const void* data, size_t n);
  std::string hex_digest();  // lower-case; ends the hasher

 private:
  struct state;
  std::unique_ptr<state> s_;
};

// The digest of a whole file; `progress(bytes_hashed)` is called now and then. Throws hub_error
// when the file cannot be read.
std::string sha256_file(const std::string& path, const std::function<void(uint64_t)>& progress = {});

}  // namespace sy::hub
