#include "gguf_writer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "gguf/ggml_types.h"

namespace sy::test {
namespace {

template <class T>
void put(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

uint16_t to_f16(float f) {  // round-toward-zero, enough for small test values
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000;
  int exp = int((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = (x >> 13) & 0x3ff;
  if (exp <= 0) return uint16_t(sign);
  if (exp >= 31) return uint16_t(sign | 0x7c00);
  return uint16_t(sign | (uint32_t(exp) << 10) | mant);
}

void put_scalar(std::string& out, gguf::value_type t, const gguf::scalar& s) {
  using vt = gguf::value_type;
  auto u = [&] { return std::holds_alternative<uint64_t>(s) ? std::get<uint64_t>(s) : uint64_t(std::get<int64_t>(s)); };
  switch (t) {
    case vt::u8:
    case vt::i8: put<uint8_t>(out, uint8_t(u())); break;
    case vt::u16:
    case vt::i16: put<uint16_t>(out, uint16_t(u())); break;
    case vt::u32:
    case vt::i32: put<uint32_t>(out, uint32_t(u())); break;
    case vt::u64:
    case vt::i64: put<uint64_t>(out, u()); break;
    case vt::f32: put<float>(out, float(std::get<double>(s))); break;
    case vt::f64: put<double>(out, std::get<double>(s)); break;
    case vt::boolean: put<uint8_t>(out, std::get<bool>(s) ? 1 : 0); break;
    case vt::string: put_string(out, std::get<std::string>(s)); break;
    case vt::array: throw std::logic_error("nested array");
  }
}

}  // namespace

void put_u32(std::string& out, uint32_t v) {
  put(out, v);
}
void put_u64(std::string& out, uint64_t v) {
  put(out, v);
}
void put_string(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}
void put_value(std::string& out, const gguf::value& v) {
  if (!v.is_array()) return put_scalar(out, v.type, v.items.at(0));
  put_u32(out, uint32_t(v.elem_type));
  put_u64(out, v.items.size());
  for (auto& s : v.items) put_scalar(out, v.elem_type, s);
}

void gguf_writer::set(const std::string& key, gguf::value v) {
  for (auto& [k, old] : kv_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  kv_.emplace_back(key, std::move(v));
}

void gguf_writer::set_u32s(const std::string& key, const std::vector<uint32_t>& v) {
  std::vector<gguf::scalar> items(v.size());
  for (size_t i = 0; i < v.size(); ++i) items[i] = uint64_t{v[i]};
  set(key, gguf::value::array_of(gguf::value_type::u32, std::move(items)));
}

void gguf_writer::add_tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type) {
  auto info = gguf::find_ggml_type(type);
  if (!info) throw std::invalid_argument("unknown ggml type");
  uint64_t rows = 1;
  for (size_t i = 1; i < dims.size(); ++i) rows *= dims[i];
  auto row = gguf::ggml_row_bytes(*info, dims.at(0));
  if (!row) throw std::invalid_argument("row does not fill whole blocks: " + name);
  tensors_.push_back({name, std::move(dims), type, *row * rows, {}});
}

void gguf_writer::zero_rows(const std::string& name, std::vector<uint64_t> rows) {
  for (auto& t : tensors_)
    if (t.name == name) {
      t.zero_rows.insert(t.zero_rows.end(), rows.begin(), rows.end());
      return;
    }
  throw std::invalid_argument("no tensor " + name);
}

void gguf_writer::set_alignment(uint32_t a) {
  alignment_ = a;
  set_u32("general.alignment", a);
}

std::string gguf_writer::header() const {
  std::string out = "GGUF";
  put_u32(out, 3);
  put_u64(out, tensors_.size());
  put_u64(out, kv_.size());
  for (auto& [k, v] : kv_) {
    put_string(out, k);
    put_u32(out, uint32_t(v.type));
    put_value(out, v);
  }
  uint64_t offset = 0;
  for (auto& t : tensors_) {
    put_string(out, t.name);
    put_u32(out, uint32_t(t.dims.size()));
    for (auto d : t.dims) put_u64(out, d);
    put_u32(out, t.type);
    put_u64(out, offset);
    offset += (t.bytes + alignment_ - 1) / alignment_ * alignment_;
  }
  out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, '\0');
  return out;
}

uint64_t gguf_writer::data_offset() const {
  return header().size();
}

uint64_t gguf_writer::tensor_params() const {
  uint64_t n = 0;
  for (auto& t : tensors_) {
    uint64_t e = 1;
    for (auto d : t.dims) e *= d;
    n += e;
  }
  return n;
}

uint64_t gguf_writer::tensor_bytes() const {
  uint64_t n = 0;
  for (auto& t : tensors_) n += t.bytes;
  return n;
}

std::string gguf_writer::bytes(fill f, uint32_t seed) const {
  std::string out = header();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-0.05f, 0.05f);
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const auto& t = tensors_[i];
    size_t start = out.size();
    if (f == fill::random && t.type == 0) {
      for (uint64_t k = 0; k < t.bytes / 4; ++k) put<float>(out, dist(rng));
    } else if (f == fill::random && t.type == 1) {
      for (uint64_t k = 0; k < t.bytes / 2; ++k) put<uint16_t>(out, to_f16(dist(rng)));
    } else {
      out.append(t.bytes, '\0');
    }
    if (!t.zero_rows.empty()) {
      uint64_t rows = 1;
      for (size_t d = 1; d < t.dims.size(); ++d) rows *= t.dims[d];
      uint64_t row_bytes = t.bytes / rows;
      for (auto r : t.zero_rows)
        if (r < rows) std::fill_n(out.begin() + std::ptrdiff_t(start + r * row_bytes), row_bytes, '\0');
    }
    if (i + 1 < tensors_.size()) out.resize(start + (t.bytes + alignment_ - 1) / alignment_ * alignment_, '\0');
  }
  return out;
}

void gguf_writer::write(const std::string& path, fill f, uint32_t seed) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  auto b = bytes(f, seed);
  out.write(b.data(), std::streamsize(b.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace sy::test
