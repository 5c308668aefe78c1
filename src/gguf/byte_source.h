#pragma once
// Random-access bytes for the GGUF reader: a local file now, an HTTP Range reader later. The
// reader asks for small pieces in increasing order, so sources buffer in windows.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sy::gguf {

class byte_source {
 public:
  virtual ~byte_source() = default;
  // Total size in bytes.
  virtual uint64_t size() const = 0;
  // Fills `out` with the bytes at [offset, offset + out.size()); throws gguf_error when the range
  // is past the end or the read fails.
  virtual void read_at(uint64_t offset, std::span<std::byte> out) = 0;
  // Human-readable origin for reports ("/path/model.gguf").
  virtual std::string describe() const = 0;
  // Bytes actually fetched from the underlying medium (for tests and --verbose).
  virtual uint64_t bytes_fetched() const = 0;
};

// A local file read in windows (1 MiB by default): opening a multi-GB model reads its header only.
class file_source : public byte_source {
 public:
  explicit file_source(const std::string& path, size_t window = size_t{1} << 20);  // throws gguf_error
  ~file_source() override;
  file_source(const file_source&) = delete;
  file_source& operator=(const file_source&) = delete;

  uint64_t size() const override { return size_; }
  void read_at(uint64_t offset, std::span<std::byte> out) override;
  std::string describe() const override { return path_; }
  uint64_t bytes_fetched() const override { return fetched_; }

 private:
  void fill(uint64_t offset);
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  std::vector<std::byte> window_;
  uint64_t window_offset_ = 0;
  size_t window_len_ = 0;
  size_t window_cap_;
  uint64_t fetched_ = 0;
};

// Bytes already in memory (fuzzing, tests).
class memory_source : public byte_source {
 public:
  explicit memory_source(std::span<const std::byte> data) : data_(data) {}
  uint64_t size() const override { return data_.size(); }
  void read_at(uint64_t offset, std::span<std::byte> out) override;
  std::string describe() const override { return "<memory>"; }
  uint64_t bytes_fetched() const override { return fetched_; }

 private:
  std::span<const std::byte> data_;
  uint64_t fetched_ = 0;
};

}  // namespace sy::gguf
