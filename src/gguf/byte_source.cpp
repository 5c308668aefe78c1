#include "gguf/byte_source.h"

#include <cerrno>
#include <cstring>

#include "gguf/gguf_error.h"

namespace sy::gguf {
namespace {

void check_range(uint64_t offset, uint64_t len, uint64_t size) {
  if (offset > size || len > size - offset)
    throw gguf_error(offset, "unexpected end of file (need " + std::to_string(len) + " bytes, file has " +
                                 std::to_string(size) + ")");
}

}  // namespace

file_source::file_source(const std::string& path, size_t window) : path_(path), window_cap_(window ? window : 1) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw gguf_error(0, "cannot open " + path + ": " + std::strerror(errno));
  if (std::fseek(file_, 0, SEEK_END) != 0) {
    std::fclose(file_);
    throw gguf_error(0, "cannot seek " + path);
  }
  long end = std::ftell(file_);
  if (end < 0) {
    std::fclose(file_);
    throw gguf_error(0, "cannot size " + path + " (not a regular file?)");
  }
  size_ = static_cast<uint64_t>(end);
}

file_source::~file_source() {
  if (file_) std::fclose(file_);
}

void file_source::fill(uint64_t offset) {
  uint64_t len = std::min<uint64_t>(window_cap_, size_ - offset);
  window_.resize(len);
  if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0 || std::fread(window_.data(), 1, len, file_) != len)
    throw gguf_error(offset, "read failed on " + path_);
  window_offset_ = offset;
  window_len_ = len;
  fetched_ += len;
}

void file_source::read_at(uint64_t offset, std::span<std::byte> out) {
  check_range(offset, out.size(), size_);
  size_t done = 0;
  while (done < out.size()) {
    uint64_t at = offset + done;
    if (at < window_offset_ || at >= window_offset_ + window_len_) fill(at);
    size_t from = static_cast<size_t>(at - window_offset_);
    size_t n = std::min(out.size() - done, window_len_ - from);
    std::memcpy(out.data() + done, window_.data() + from, n);
    done += n;
  }
}

void memory_source::read_at(uint64_t offset, std::span<std::byte> out) {
  check_range(offset, out.size(), data_.size());
  if (!out.empty()) std::memcpy(out.data(), data_.data() + offset, out.size());
  fetched_ += out.size();
}

}  // namespace sy::gguf
