#include "core/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sy {

struct sha256_hasher::state {
  EVP_MD_CTX* ctx = nullptr;
  ~state() { EVP_MD_CTX_free(ctx); }
};

sha256_hasher::sha256_hasher() : s_(std::make_unique<state>()) {
  s_->ctx = EVP_MD_CTX_new();
  if (!s_->ctx || EVP_DigestInit_ex(s_->ctx, EVP_sha256(), nullptr) != 1) throw sha256_error("cannot start SHA-256");
}

sha256_hasher::~sha256_hasher() = default;

void sha256_hasher::update(const void* data, size_t n) {
  if (EVP_DigestUpdate(s_->ctx, data, n) != 1) throw sha256_error("SHA-256 update failed");
}

std::string sha256_hasher::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_DigestFinal_ex(s_->ctx, md, &len) != 1) throw sha256_error("SHA-256 final failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string sha256_file(const std::string& path, const std::function<void(uint64_t)>& progress) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw sha256_error(path + ": cannot open: " + std::strerror(errno));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  sha256_hasher h;
  std::vector<char> buf(size_t{4} << 20);
  uint64_t done = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw sha256_error(path + ": cannot read: " + std::strerror(e));
    }
    if (n == 0) break;
    h.update(buf.data(), size_t(n));
    done += uint64_t(n);
    if (progress) progress(done);
  }
  ::close(fd);
  return h.hex_digest();
}

}  // namespace sy
