#pragma once
// Writes GGUF v3 files for tests: any metadata, tensor infos laid out at the file's alignment, and
// tensor data zero-filled or small random values. The writer is the reference for valid files;
// malformed-file tests edit the bytes it produces.
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_value.h"

namespace sy::test {

class gguf_writer {
 public:
  enum class fill { zeros, random };

  void set(const std::string& key, gguf::value v);  // replaces an existing key in place
  void set_u32(const std::string& key, uint32_t v) { set(key, gguf::value::of(gguf::value_type::u32, uint64_t{v})); }
  void set_f32(const std::string& key, float v) { set(key, gguf::value::of(gguf::value_type::f32, double{v})); }
  void set_bool(const std::string& key, bool v) { set(key, gguf::value::of(gguf::value_type::boolean, v)); }
  void set_string(const std::string& key, std::string v) {
    set(key, gguf::value::of(gguf::value_type::string, std::move(v)));
  }
  void set_u32s(const std::string& key, const std::vector<uint32_t>& v);
  const std::vector<std::pair<std::string, gguf::value>>& metadata() const { return kv_; }

  // dims with ne[0] first; type a ggml type id.
  void add_tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type);
  void set_alignment(uint32_t a);  // also sets general.alignment
  // Rows (index over dims[1..]) of a tensor already added that bytes() leaves zero even with
  // fill::random.
  void zero_rows(const std::string& name, std::vector<uint64_t> rows);

  std::string bytes(fill f = fill::zeros, uint32_t seed = 1) const;
  void write(const std::string& path, fill f = fill::zeros, uint32_t seed = 1) const;
  // Offset of the data section in bytes() (the end of the header plus padding).
  uint64_t data_offset() const;
  uint64_t tensor_params() const;
  uint64_t tensor_bytes() const;

 private:
  struct tensor {
    std::string name;
    std::vector<uint64_t> dims;
    uint32_t type;
    uint64_t bytes;
    std::vector<uint64_t> zero_rows;
  };
  std::string header() const;
  std::vector<std::pair<std::string, gguf::value>> kv_;
  std::vector<tensor> tensors_;
  uint32_t alignment_ = 32;
};

// Little-endian building blocks for hand-made (malformed) files.
void put_u32(std::string& out, uint32_t v);
void put_u64(std::string& out, uint64_t v);
void put_string(std::string& out, const std::string& s);
void put_value(std::string& out, const gguf::value& v);  // without the type tag

}  // namespace sy::test
