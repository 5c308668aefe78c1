// read_gguf: the header parser. Every length is checked against the limits and against the bytes
// left in the file before anything is allocated.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "gguf/gguf_file.h"

namespace sy::gguf {
namespace {

static_assert(std::endian::native == std::endian::little, "the reader decodes little-endian GGUF natively");

class cursor {
 public:
  cursor(byte_source& src) : src_(src), size_(src.size()) {}
  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }

  void read(void* out, uint64_t n, const std::string& what) {
    if (n > left())
      throw gguf_error(pos_,
                       fmt::format("unexpected end of file reading {} ({} bytes needed, {} left)", what, n, left()));
    src_.read_at(pos_, std::span<std::byte>(static_cast<std::byte*>(out), n));
    pos_ += n;
  }
  // Moves past n bytes without reading them (a byte source fetches nothing for them).
  void skip(uint64_t n, const std::string& what) {
    if (n > left())
      throw gguf_error(pos_,
                       fmt::format("unexpected end of file skipping {} ({} bytes needed, {} left)", what, n, left()));
    pos_ += n;
  }
  template <class T>
  T get(const std::string& what) {
    T v;
    read(&v, sizeof v, what);
    return v;
  }
  std::string string(uint64_t limit, const std::string& what) {
    uint64_t at = pos_;
    uint64_t len = get<uint64_t>(what + " length");
    if (len > limit) throw gguf_error(at, fmt::format("{} is {} bytes, limit {}", what, len, limit));
    if (len > left())
      throw gguf_error(at, fmt::format("{} of {} bytes runs past end of file ({} left)", what, len, left()));
    std::string s(len, '\0');
    read(s.data(), len, what);
    return s;
  }

 private:
  byte_source& src_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}
bool checked_add(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

scalar read_scalar(cursor& c, value_type t, const gguf_limits& lim, const std::string& what) {
  switch (t) {
    case value_type::u8: return uint64_t{c.get<uint8_t>(what)};
    case value_type::i8: return int64_t{c.get<int8_t>(what)};
    case value_type::u16: return uint64_t{c.get<uint16_t>(what)};
    case value_type::i16: return int64_t{c.get<int16_t>(what)};
    case value_type::u32: return uint64_t{c.get<uint32_t>(what)};
    case value_type::i32: return int64_t{c.get<int32_t>(what)};
    case value_type::u64: return c.get<uint64_t>(what);
    case value_type::i64: return c.get<int64_t>(what);
    case value_type::f32: return double{std::bit_cast<float>(c.get<uint32_t>(what))};
    case value_type::f64: return std::bit_cast<double>(c.get<uint64_t>(what));
    case value_type::boolean: {
      uint64_t at = c.pos();
      auto b = c.get<uint8_t>(what);
      if (b > 1) throw gguf_error(at, fmt::format("{}: bool byte is {}, not 0 or 1", what, b));
      return b == 1;
    }
    case value_type::string: return c.string(lim.max_string_bytes, what);
    case value_type::array: break;
  }
  throw gguf_error(c.pos(), what + ": bad scalar type");
}

value_type read_type(cursor& c, const std::string& what) {
  uint64_t at = c.pos();
  uint32_t t = c.get<uint32_t>(what + " type");
  if (t > uint32_t(value_type::f64)) throw gguf_error(at, fmt::format("{}: unknown value type {}", what, t));
  return value_type(t);
}

// Decoded size estimate, charged against max_metadata_bytes.
uint64_t footprint(const scalar& s) {
  auto* str = std::get_if<std::string>(&s);
  return sizeof(scalar) + (str ? str->size() : 0);
}

bool is_integer(value_type t) {
  switch (t) {
    case value_type::u8:
    case value_type::i8:
    case value_type::u16:
    case value_type::i16:
    case value_type::u32:
    case value_type::i32:
    case value_type::u64:
    case value_type::i64:
    case value_type::boolean: return true;
    default: return false;
  }
}

// Decodes one little-endian element of an integer or bool array from raw bytes.
void tally_element(int_tally& t, value_type elem, const unsigned char* p, uint64_t at, const std::string& key) {
  auto load = [&]<class T>(T) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  switch (elem) {
    case value_type::u8: return t.add(uint64_t{load(uint8_t{})});
    case value_type::i8: return t.add(int64_t{load(int8_t{})});
    case value_type::u16: return t.add(uint64_t{load(uint16_t{})});
    case value_type::i16: return t.add(int64_t{load(int16_t{})});
    case value_type::u32: return t.add(uint64_t{load(uint32_t{})});
    case value_type::i32: return t.add(int64_t{load(int32_t{})});
    case value_type::u64: return t.add(load(uint64_t{}));
    case value_type::i64: return t.add(load(int64_t{}));
    case value_type::boolean:
      if (*p > 1) throw gguf_error(at, fmt::format("key '{}': bool byte is {}, not 0 or 1", key, *p));
      return t.add(uint64_t{*p});
    default: return;
  }
}

// The elements past the kept ones: integers and bools are read in chunks and tallied (memory
// stays one chunk), floats are skipped, strings have their lengths read and checked and their
// bytes skipped. Every length is still checked against the bytes left in the file.
void stream_rest(cursor& c, value& v, uint64_t first, const gguf_limits& lim, const std::string& key, uint64_t start) {
  value_type elem = v.elem_type;
  uint64_t n = v.count - first;
  if (elem == value_type::string) {
    // millions of elements: messages are formatted only when something is wrong
    static const std::string unused;
    for (uint64_t i = first; i < v.count; ++i) {
      uint64_t at = c.pos();
      if (c.left() < 8)
        throw gguf_error(at, fmt::format("unexpected end of file reading the length of element {} of '{}'", i, key));
      uint64_t len = c.get<uint64_t>(unused);
      if (len > lim.max_string_bytes)
        throw gguf_error(at,
                         fmt::format("element {} of '{}' is {} bytes, limit {}", i, key, len, lim.max_string_bytes));
      if (len > c.left())
        throw gguf_error(
            at, fmt::format("element {} of '{}' of {} bytes runs past end of file ({} left)", i, key, len, c.left()));
      c.skip(len, unused);
      if (c.pos() - start > lim.max_array_bytes)
        throw gguf_error(at, fmt::format("key '{}': array exceeds {} bytes", key, lim.max_array_bytes));
    }
    return;
  }
  uint64_t size = value_type_size(elem);  // n * size <= max_array_bytes: checked by the caller
  if (!is_integer(elem)) return c.skip(n * size, fmt::format("elements {}.. of '{}'", first, key));
  std::vector<unsigned char> chunk(std::min<uint64_t>(n * size, 64 * 1024));
  for (uint64_t left = n * size; left > 0;) {
    uint64_t at = c.pos();
    uint64_t len = std::min<uint64_t>(left, chunk.size());  // a multiple of size: sizes are 1, 2, 4, 8
    c.read(chunk.data(), len, fmt::format("elements of '{}'", key));
    for (uint64_t k = 0; k < len; k += size) tally_element(v.ints, elem, chunk.data() + k, at + k, key);
    left -= len;
  }
}

value read_value(cursor& c, value_type t, const gguf_limits& lim, const std::string& key, uint64_t& budget) {
  auto charge = [&](uint64_t n, uint64_t at) {
    if (n > budget)
      throw gguf_error(at, fmt::format("key '{}': metadata exceeds {} decoded bytes", key, lim.max_metadata_bytes));
    budget -= n;
  };
  if (t != value_type::array) {
    uint64_t at = c.pos();
    auto v = value::of(t, read_scalar(c, t, lim, "value of '" + key + "'"));
    charge(footprint(v.items[0]), at);
    return v;
  }
  uint64_t at = c.pos();
  value_type elem = read_type(c, "array element of '" + key + "'");
  if (elem == value_type::array) throw gguf_error(at, fmt::format("key '{}': nested arrays are not supported", key));
  uint64_t count_at = c.pos();
  uint64_t n = c.get<uint64_t>("array length of '" + key + "'");
  if (n > lim.max_array_elements)
    throw gguf_error(count_at, fmt::format("key '{}': array of {} elements, limit {}", key, n, lim.max_array_elements));
  // Each element takes at least this many bytes on the wire (a string its u64 length).
  uint64_t min_elem = elem == value_type::string ? 8 : value_type_size(elem);
  uint64_t min_bytes = 0;
  if (!checked_mul(n, min_elem, min_bytes) || min_bytes > c.left())
    throw gguf_error(count_at,
                     fmt::format("key '{}': array of {} {} runs past end of file", key, n, value_type_name(elem)));
  if (min_bytes > lim.max_array_bytes)
    throw gguf_error(count_at,
                     fmt::format("key '{}': array of {} bytes, limit {}", key, min_bytes, lim.max_array_bytes));
  value v = value::array_of(elem, {});
  v.count = n;
  uint64_t keep = std::min(n, lim.max_array_kept);
  charge(keep * sizeof(scalar), count_at);  // keep <= n <= max_array_elements: no overflow
  v.items.reserve(keep);
  uint64_t start = c.pos();
  for (uint64_t i = 0; i < keep; ++i) {
    uint64_t item_at = c.pos();
    v.items.push_back(read_scalar(c, elem, lim, fmt::format("element {} of '{}'", i, key)));
    const auto& s = v.items.back();
    if (auto* str = std::get_if<std::string>(&s)) charge(str->size(), item_at);
    if (auto* u = std::get_if<uint64_t>(&s)) v.ints.add(*u);
    if (auto* x = std::get_if<int64_t>(&s)) v.ints.add(*x);
    if (auto* b = std::get_if<bool>(&s)) v.ints.add(uint64_t{*b});
    if (c.pos() - start > lim.max_array_bytes)
      throw gguf_error(item_at, fmt::format("key '{}': array exceeds {} bytes", key, lim.max_array_bytes));
  }
  if (keep < n) stream_rest(c, v, keep, lim, key, start);
  return v;
}

}  // namespace

const value* gguf_file::find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &metadata[it->second].second;
}
std::optional<uint64_t> gguf_file::get_u64(std::string_view key) const {
  auto* v = find(key);
  return v && !v->is_array() ? v->as_u64() : std::nullopt;
}
std::optional<double> gguf_file::get_f64(std::string_view key) const {
  auto* v = find(key);
  return v && !v->is_array() ? v->as_f64() : std::nullopt;
}
std::optional<std::string> gguf_file::get_string(std::string_view key) const {
  auto* v = find(key);
  auto* s = v && !v->is_array() ? v->as_string() : nullptr;
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

gguf_file read_gguf(byte_source& src, const gguf_limits& lim) {
  cursor c(src);
  gguf_file f;
  f.file_size = src.size();

  std::array<char, 4> magic{};
  c.read(magic.data(), 4, "magic");
  if (std::memcmp(magic.data(), "GGUF", 4) != 0) throw gguf_error(0, "not a GGUF file (bad magic)");
  f.version = c.get<uint32_t>("version");
  if (f.version == 1) throw gguf_error(4, "GGUF version 1 is not supported (re-convert the model)");
  if ((f.version & 0xffff) == 0 && f.version != 0) throw gguf_error(4, "big-endian GGUF files are not supported");
  if (f.version != 2 && f.version != 3)
    throw gguf_error(4, fmt::format("unsupported GGUF version {} (2 and 3 are)", f.version));

  uint64_t n_tensors = c.get<uint64_t>("tensor count");
  if (n_tensors > lim.max_tensors)
    throw gguf_error(8, fmt::format("tensor count {} exceeds limit {}", n_tensors, lim.max_tensors));
  uint64_t n_kv = c.get<uint64_t>("metadata count");
  if (n_kv > lim.max_metadata_count)
    throw gguf_error(16, fmt::format("metadata count {} exceeds limit {}", n_kv, lim.max_metadata_count));
  // Each key/value takes >= 8 (key len) + 4 (type) + 1 bytes; each tensor info >= 8 + 4 + 8 + 4 + 8.
  if (n_kv > c.left() / 13 || n_tensors > c.left() / 32)
    throw gguf_error(
        8, fmt::format("{} tensors and {} metadata keys cannot fit in a {}-byte file", n_tensors, n_kv, f.file_size));

  uint64_t budget = lim.max_metadata_bytes;
  f.metadata.reserve(n_kv);
  for (uint64_t i = 0; i < n_kv; ++i) {
    uint64_t at = c.pos();
    std::string key = c.string(lim.max_key_bytes, fmt::format("key #{}", i));
    if (key.empty()) throw gguf_error(at, fmt::format("key #{} is empty", i));
    if (f.index_.count(key)) throw gguf_error(at, fmt::format("duplicate key '{}'", key));
    value_type t = read_type(c, "key '" + key + "'");
    // the entry, its index node and the key twice (entry and index)
    uint64_t entry = sizeof(std::pair<std::string, value>) + 64 + 2 * key.size();
    if (entry > budget)
      throw gguf_error(at, fmt::format("key '{}': metadata exceeds {} decoded bytes", key, lim.max_metadata_bytes));
    budget -= entry;
    value v = read_value(c, t, lim, key, budget);
    f.index_.emplace(key, f.metadata.size());
    f.metadata.emplace_back(std::move(key), std::move(v));
  }

  if (auto* a = f.find("general.alignment")) {
    auto n = a->is_array() ? std::nullopt : a->as_u64();
    if (!n || *n == 0 || (*n & (*n - 1)) != 0 || *n > lim.max_alignment)
      throw gguf_error(c.pos(), fmt::format("general.alignment {} is not a power of two in [1, {}]", a->summary(),
                                            lim.max_alignment));
    f.alignment = *n;
  }

  // every tensor's record (and its entry in the name index) counts against the budget the
  // metadata left: a file of a million tiny tensors is refused before it costs hundreds of MiB
  constexpr uint64_t tensor_overhead = sizeof(tensor_info) + 64;
  if (n_tensors > budget / tensor_overhead)
    throw gguf_error(8, fmt::format("{} tensors would exceed the {} bytes the reader may decode", n_tensors,
                                    lim.max_metadata_bytes));
  budget -= n_tensors * tensor_overhead;
  std::map<std::string_view, size_t> names;
  f.tensors.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    uint64_t at = c.pos();
    tensor_info t;
    t.name = c.string(lim.max_key_bytes, fmt::format("name of tensor #{}", i));
    auto where = [&](const std::string& what) { return fmt::format("tensor '{}' (#{}): {}", t.name, i, what); };
    uint64_t dims_at = c.pos();
    uint32_t n_dims = c.get<uint32_t>(where("dimension count"));
    if (n_dims == 0 || n_dims > max_dims)
      throw gguf_error(dims_at, where(fmt::format("{} dimensions (1 to {} allowed)", n_dims, max_dims)));
    uint64_t cost = t.name.size() + uint64_t{n_dims} * sizeof(uint64_t);
    if (cost > budget)
      throw gguf_error(
          dims_at, where(fmt::format("the tensors exceed the {} bytes the reader may decode", lim.max_metadata_bytes)));
    budget -= cost;
    t.dims.resize(n_dims);
    t.n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t d_at = c.pos();
      t.dims[d] = c.get<uint64_t>(where("dimension"));
      if (t.dims[d] == 0 || t.dims[d] > uint64_t(INT64_MAX))
        throw gguf_error(d_at, where(fmt::format("dimension {} is {}", d, t.dims[d])));
      if (!checked_mul(t.n_elements, t.dims[d], t.n_elements) || t.n_elements > uint64_t(INT64_MAX))
        throw gguf_error(d_at, where("element count overflows"));
    }
    uint64_t type_at = c.pos();
    uint32_t type_id = c.get<uint32_t>(where("type"));
    auto type = find_ggml_type(type_id);
    if (!type) throw gguf_error(type_at, where(fmt::format("unknown or removed ggml type {}", type_id)));
    t.type = *type;
    if (t.dims[0] % t.type.block_size != 0)
      throw gguf_error(type_at, where(fmt::format("row of {} elements is not a multiple of the {} block size {}",
                                                  t.dims[0], t.type.name, t.type.block_size)));
    auto row = ggml_row_bytes(t.type, t.dims[0]);
    if (!row || !checked_mul(*row, t.n_elements / t.dims[0], t.n_bytes))
      throw gguf_error(type_at, where("byte size overflows"));
    uint64_t off_at = c.pos();
    t.offset = c.get<uint64_t>(where("offset"));
    if (t.offset % f.alignment != 0)
      throw gguf_error(off_at, where(fmt::format("offset {} is not aligned to {}", t.offset, f.alignment)));
    if (names.count(t.name)) throw gguf_error(at, where("duplicate tensor name"));
    f.tensors.push_back(std::move(t));
    // views into f.tensors' names stay valid: the vector was reserved and never reallocates.
    names.emplace(f.tensors.back().name, i);
  }

  uint64_t pad = (f.alignment - c.pos() % f.alignment) % f.alignment;
  if (!checked_add(c.pos(), pad, f.data_offset)) throw gguf_error(c.pos(), "data section offset overflows");
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    const auto& t = f.tensors[i];
    uint64_t start = 0, end = 0;
    if (!checked_add(f.data_offset, t.offset, start) || !checked_add(start, t.n_bytes, end) || end > f.file_size)
      throw gguf_error(f.data_offset,
                       fmt::format("tensor '{}' (#{}): data [{} + {}, {} bytes] extends past end of file ({} bytes)",
                                   t.name, i, f.data_offset, t.offset, t.n_bytes, f.file_size));
  }
  return f;
}

}  // namespace sy::gguf
