#pragma once
// SHA-256 (OpenSSL): incremental, or over a file. Download verification (hub/) and usage key ids
// (server/usage_store) use it. One object per thread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace sy {

// What the hasher and sha256_file throw: OpenSSL failed, or the file cannot be read.
class sha256_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

// The digest of a whole file; `progress(bytes_hashed)` is called now and then. Throws sha256_error
// when the file cannot be read.
std::string sha256_file(const std::string& path, const std::function<void(uint64_t)>& progress = {});

}  // namespace sy
