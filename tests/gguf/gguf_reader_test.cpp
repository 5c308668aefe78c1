// The GGUF reader: every value type, and each malformed header refused with where and why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "gguf/gguf_file.h"
#include "gguf_writer.h"

using namespace sy::gguf;
using sy::test::gguf_writer;
using sy::test::put_string;
using sy::test::put_u32;
using sy::test::put_u64;
using testing::HasSubstr;

namespace {

gguf_file parse(const std::string& bytes) {
  memory_source src(std::as_bytes(std::span(bytes.data(), bytes.size())));
  return read_gguf(src);
}

// Runs the parser and returns the error text ("" when it parses).
std::string error_of(const std::string& bytes, uint64_t* offset = nullptr) {
  try {
    parse(bytes);
  } catch (const gguf_error& e) {
    if (offset) *offset = e.offset();
    return e.what();
  }
  return "";
}

gguf_writer all_types() {
  gguf_writer w;
  w.set("t.u8", value::of(value_type::u8, uint64_t{200}));
  w.set("t.i8", value::of(value_type::i8, int64_t{-100}));
  w.set("t.u16", value::of(value_type::u16, uint64_t{60000}));
  w.set("t.i16", value::of(value_type::i16, int64_t{-30000}));
  w.set("t.u32", value::of(value_type::u32, uint64_t{4000000000}));
  w.set("t.i32", value::of(value_type::i32, int64_t{-2000000000}));
  w.set("t.f32", value::of(value_type::f32, double{1.5}));
  w.set("t.bool", value::of(value_type::boolean, true));
  w.set("t.string", value::of(value_type::string, std::string("héllo")));
  w.set("t.u64", value::of(value_type::u64, uint64_t{1} << 60));
  w.set("t.i64", value::of(value_type::i64, int64_t{-(int64_t{1} << 60)}));
  w.set("t.f64", value::of(value_type::f64, double{-2.25}));
  w.set("t.arr_i16", value::array_of(value_type::i16, {int64_t{-1}, int64_t{2}, int64_t{-3}}));
  w.set("t.arr_str", value::array_of(value_type::string, {std::string("a"), std::string(""), std::string("ccc")}));
  w.set("t.arr_bool", value::array_of(value_type::boolean, {true, false}));
  w.set("t.arr_f64", value::array_of(value_type::f64, {}));
  w.add_tensor("a.weight", {32, 2}, 8);       // Q8_0
  w.add_tensor("b.weight", {7}, 0);           // F32
  w.add_tensor("c.weight", {256, 3, 2}, 12);  // Q4_K
  return w;
}

// The start of a header with the given counts; callers append key/values and tensor infos.
std::string head(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
  std::string s = "GGUF";
  put_u32(s, version);
  put_u64(s, n_tensors);
  put_u64(s, n_kv);
  return s;
}

std::string tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
  std::string s;
  put_string(s, name);
  put_u32(s, uint32_t(dims.size()));
  for (auto d : dims) put_u64(s, d);
  put_u32(s, type);
  put_u64(s, offset);
  return s;
}

std::string padded(std::string s, size_t data_bytes) {
  s.resize((s.size() + 31) / 32 * 32 + data_bytes, '\0');
  return s;
}

}  // namespace

TEST(gguf_reader, reads_every_value_type) {
  auto f = parse(all_types().bytes());
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.get_u64("t.u8"), 200u);
  EXPECT_EQ(f.find("t.i8")->as_i64(), -100);
  EXPECT_EQ(f.get_u64("t.u16"), 60000u);
  EXPECT_EQ(f.find("t.i16")->as_i64(), -30000);
  EXPECT_EQ(f.get_u64("t.u32"), 4000000000u);
  EXPECT_EQ(f.find("t.i32")->as_i64(), -2000000000);
  EXPECT_EQ(f.get_f64("t.f32"), 1.5);
  EXPECT_EQ(f.find("t.bool")->as_bool(), true);
  EXPECT_EQ(f.get_string("t.string"), "héllo");
  EXPECT_EQ(f.get_u64("t.u64"), uint64_t{1} << 60);
  EXPECT_EQ(f.find("t.i64")->as_i64(), -(int64_t{1} << 60));
  EXPECT_EQ(f.get_f64("t.f64"), -2.25);
  auto* a = f.find("t.arr_i16");
  ASSERT_TRUE(a && a->is_array());
  EXPECT_EQ(a->elem_type, value_type::i16);
  EXPECT_EQ(a->size(), 3u);
  EXPECT_EQ(a->as_i64(2), -3);
  EXPECT_EQ(*f.find("t.arr_str")->as_string(2), "ccc");
  EXPECT_EQ(f.find("t.arr_bool")->as_bool(1), false);
  EXPECT_EQ(f.find("t.arr_f64")->size(), 0u);
  EXPECT_FALSE(f.find("t.i8")->as_u64());  // negative is not unsigned
  ASSERT_EQ(f.tensors.size(), 3u);
  EXPECT_EQ(f.tensors[0].type.name, "Q8_0");
  EXPECT_EQ(f.tensors[0].n_bytes, 2u * 34);
  EXPECT_EQ(f.tensors[1].n_bytes, 28u);
  EXPECT_EQ(f.tensors[2].n_elements, 256u * 6);
  EXPECT_EQ(f.tensors[2].n_bytes, 6u * 144);
  EXPECT_EQ(f.tensors[2].offset % 32, 0u);
  EXPECT_EQ(f.data_offset % 32, 0u);
}

TEST(gguf_reader, reads_version_2_and_custom_alignment) {
  auto w = all_types();
  w.set_alignment(64);
  auto bytes = w.bytes();
  bytes[4] = 2;
  auto f = parse(bytes);
  EXPECT_EQ(f.version, 2u);
  EXPECT_EQ(f.alignment, 64u);
  EXPECT_EQ(f.data_offset % 64, 0u);
}

TEST(gguf_reader, refuses_every_truncation_before_the_end_of_the_data) {
  auto bytes = all_types().bytes();
  for (size_t n = 0; n < bytes.size(); ++n) {
    uint64_t at = 0;
    auto err = error_of(bytes.substr(0, n), &at);
    ASSERT_FALSE(err.empty()) << "truncated at " << n;
    ASSERT_LE(at, bytes.size()) << err;
  }
  EXPECT_EQ(error_of(bytes), "");
}

TEST(gguf_reader, refuses_bad_magic_and_versions) {
  auto bytes = all_types().bytes();
  auto bad = bytes;
  bad[0] = 'X';
  EXPECT_THAT(error_of(bad), HasSubstr("bad magic"));
  bad = bytes;
  bad[4] = 1;
  EXPECT_THAT(error_of(bad), HasSubstr("version 1 is not supported"));
  bad[4] = 4;
  EXPECT_THAT(error_of(bad), HasSubstr("unsupported GGUF version 4"));
  bad[4] = 0, bad[7] = 3;
  EXPECT_THAT(error_of(bad), HasSubstr("big-endian"));
}

TEST(gguf_reader, refuses_huge_counts_and_lengths) {
  uint64_t at = 0;
  EXPECT_THAT(error_of(head(uint64_t{1} << 40, 0), &at), HasSubstr("tensor count"));
  EXPECT_EQ(at, 8u);
  EXPECT_THAT(error_of(head(0, uint64_t{1} << 40), &at), HasSubstr("metadata count"));
  EXPECT_THAT(error_of(head(1000, 1000)), HasSubstr("cannot fit"));

  auto s = head(0, 1);
  put_u64(s, uint64_t{1} << 60);  // key length
  s.append(64, 'k');
  EXPECT_THAT(error_of(s, &at), HasSubstr("key #0 is 1152921504606846976 bytes, limit 65536"));
  EXPECT_EQ(at, 24u);

  s = head(0, 1);
  put_string(s, "k");
  put_u32(s, uint32_t(value_type::string));
  put_u64(s, uint64_t{2} << 20);
  EXPECT_THAT(error_of(s), HasSubstr("value of 'k' is 2097152 bytes, limit 1048576"));

  s = head(0, 1);
  put_string(s, "k");
  put_u32(s, uint32_t(value_type::array));
  put_u32(s, uint32_t(value_type::u32));
  put_u64(s, uint64_t{1} << 40);
  EXPECT_THAT(error_of(s), HasSubstr("key 'k': array of 1099511627776 elements"));

  s = head(0, 1);
  put_string(s, "k");
  put_u32(s, uint32_t(value_type::array));
  put_u32(s, uint32_t(value_type::u64));
  put_u64(s, 1000);
  EXPECT_THAT(error_of(s), HasSubstr("runs past end of file"));

  s = head(0, 1);
  put_string(s, "k");
  put_u32(s, uint32_t(value_type::array));
  put_u32(s, uint32_t(value_type::array));
  put_u64(s, 0);
  EXPECT_THAT(error_of(s), HasSubstr("nested arrays"));

  s = head(0, 1);
  put_string(s, "k");
  put_u32(s, 13);
  EXPECT_THAT(error_of(s), HasSubstr("unknown value type 13"));

  s = head(0, 1);
  put_string(s, "k");
  put_u32(s, uint32_t(value_type::boolean));
  s += '\x02';
  EXPECT_THAT(error_of(s), HasSubstr("bool byte is 2"));

  s = head(0, 2);
  for (int i = 0; i < 2; ++i) {
    put_string(s, "dup");
    put_u32(s, uint32_t(value_type::u8));
    s += '\x01';
  }
  EXPECT_THAT(error_of(s), HasSubstr("duplicate key 'dup'"));
}

TEST(gguf_reader, refuses_bad_alignment) {
  for (uint32_t a : {0u, 3u, 48u, 1u << 21}) {
    gguf_writer w;
    w.set_u32("general.alignment", a);
    EXPECT_THAT(error_of(w.bytes()), HasSubstr("general.alignment")) << a;
  }
  gguf_writer w;
  w.set_string("general.alignment", "32");
  EXPECT_THAT(error_of(w.bytes()), HasSubstr("not a power of two"));
  auto s = padded(head(1, 0) + tensor("t", {8}, 0, 16), 64);
  EXPECT_THAT(error_of(s), HasSubstr("tensor 't' (#0): offset 16 is not aligned to 32"));
}

TEST(gguf_reader, refuses_bad_tensor_infos) {
  uint64_t at = 0;
  auto s = padded(head(1, 0) + tensor("t", {8}, 0, 64), 32);
  EXPECT_THAT(error_of(s, &at), HasSubstr("tensor 't' (#0): data [64 + 64, 32 bytes] extends past end of file"));
  EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {8}, 0, ~uint64_t{0} - 31), 32)),
              HasSubstr("extends past end of file"));
  EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {1, 2, 3, 4, 5}, 0, 0), 32)),
              HasSubstr("5 dimensions (1 to 4 allowed)"));
  EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {}, 0, 0), 32)), HasSubstr("0 dimensions"));
  EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {4, 0}, 0, 0), 32)), HasSubstr("dimension 1 is 0"));
  EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {uint64_t{1} << 32, uint64_t{1} << 32}, 0, 0), 32)),
              HasSubstr("element count overflows"));
  EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {uint64_t{1} << 62}, 0, 0), 32)),
              HasSubstr("byte size overflows"));
  for (uint32_t removed : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 43u, 1000u})
    EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {32}, removed, 0), 64)),
                HasSubstr("unknown or removed ggml type " + std::to_string(removed)));
  EXPECT_THAT(error_of(padded(head(1, 0) + tensor("t", {33, 2}, 2, 0), 64)),
              HasSubstr("row of 33 elements is not a multiple of the Q4_0 block size 32"));
  EXPECT_THAT(error_of(padded(head(2, 0) + tensor("t", {8}, 0, 0) + tensor("t", {8}, 0, 32), 64)),
              HasSubstr("duplicate tensor name"));
  std::string name;
  put_u64(name, uint64_t{1} << 20);
  EXPECT_THAT(error_of(head(1, 0) + name + std::string(64, 'x')),
              HasSubstr("name of tensor #0 is 1048576 bytes, limit 65536"));
}

TEST(gguf_reader, file_source_reads_only_the_header) {
  auto w = all_types();
  w.add_tensor("big.weight", {1024, 4096}, 0);  // 16 MiB of zeros
  auto path = testing::TempDir() + "/big.gguf";
  w.write(path);
  file_source src(path, 4096);
  auto f = read_gguf(src);
  EXPECT_EQ(f.tensors.size(), 4u);
  EXPECT_EQ(src.size(), f.data_offset + f.tensors.back().offset + f.tensors.back().n_bytes);
  EXPECT_LE(src.bytes_fetched(), 8192u);
  EXPECT_THROW(file_source("/nonexistent/x.gguf"), gguf_error);
}

TEST(ggml_types, table_matches_measured_sizes) {
  EXPECT_EQ(find_ggml_type(12)->type_size, 144u);
  EXPECT_EQ(find_ggml_type(40)->name, "NVFP4");
  EXPECT_EQ(find_ggml_type(40)->block_size, 64u);
  EXPECT_EQ(find_ggml_type("q8_0")->id, 8u);
  EXPECT_FALSE(find_ggml_type(4));
  EXPECT_EQ(llama_ftype_name(15), "MOSTLY_Q4_K_M");
  EXPECT_EQ(llama_ftype_name(38), "MOSTLY_MXFP4_MOE");
  EXPECT_EQ(llama_ftype_name(5), "unknown (5)");
  EXPECT_EQ(ggml_row_bytes(*find_ggml_type(2), 64), 36u);
  EXPECT_FALSE(ggml_row_bytes(*find_ggml_type(2), 48));
}

namespace {

gguf_file parse_with(const std::string& bytes, const gguf_limits& lim) {
  memory_source src(std::as_bytes(std::span(bytes.data(), bytes.size())));
  return read_gguf(src, lim);
}

std::string error_with(const std::string& bytes, const gguf_limits& lim) {
  try {
    parse_with(bytes, lim);
  } catch (const gguf_error& e) {
    return e.what();
  }
  return "";
}

// One key holding an array of n elements of `elem`, each written by `put` (the value bytes).
std::string one_array(value_type elem, uint64_t n, const std::function<void(std::string&, uint64_t)>& put) {
  auto s = head(0, 1);
  put_string(s, "k");
  put_u32(s, uint32_t(value_type::array));
  put_u32(s, uint32_t(elem));
  put_u64(s, n);
  for (uint64_t i = 0; i < n; ++i) put(s, i);
  return s;
}

}  // namespace

TEST(gguf_reader, keeps_a_bounded_prefix_of_an_array_and_tallies_the_rest) {
  gguf_limits lim;
  lim.max_array_kept = 4;
  gguf_writer w;
  w.set("t.types", value::array_of(value_type::i32, {int64_t{3}, int64_t{1}, int64_t{-7}, int64_t{4}, int64_t{3},
                                                     int64_t{6}, int64_t{300}, int64_t{4}, int64_t{1}}));
  w.set("t.strs", value::array_of(value_type::string, {std::string("a"), std::string("bb"), std::string(""),
                                                       std::string("dddd"), std::string("e"), std::string("ff")}));
  w.set("t.floats", value::array_of(value_type::f32, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}));
  w.set("t.bools", value::array_of(value_type::boolean, {true, false, true, true, true, false}));
  w.set("t.short", value::array_of(value_type::u8, {uint64_t{9}, uint64_t{2}}));
  w.set_u32("t.after", 77);  // the cursor lands exactly after every skipped array
  auto f = parse_with(w.bytes(), lim);
  auto* types = f.find("t.types");
  ASSERT_TRUE(types);
  EXPECT_EQ(types->size(), 9u);
  EXPECT_EQ(types->kept(), 4u);
  EXPECT_EQ(types->as_i64(3), 4);
  EXPECT_FALSE(types->as_i64(4));  // not kept
  EXPECT_EQ(types->ints.max, 300u);
  EXPECT_EQ(types->ints.count_of(3), 2u);
  EXPECT_EQ(types->ints.count_of(4), 2u);
  EXPECT_EQ(types->ints.count_of(0), 1u);  // the negative one
  EXPECT_EQ(types->summary(), "[9 x i32]");
  EXPECT_EQ(f.find("t.strs")->size(), 6u);
  EXPECT_EQ(*f.find("t.strs")->as_string(3), "dddd");
  EXPECT_EQ(f.find("t.floats")->size(), 6u);
  EXPECT_EQ(f.find("t.bools")->ints.count_of(1), 4u);
  EXPECT_EQ(f.find("t.short")->kept(), 2u);
  EXPECT_EQ(f.find("t.short")->ints.max, 9u);
  EXPECT_EQ(f.get_u64("t.after"), 77u);
  // the whole file agrees with the unbounded read, but for the elements left out
  auto full = parse(w.bytes());
  EXPECT_EQ(full.find("t.types")->kept(), 9u);
  EXPECT_EQ(full.find("t.types")->ints.count_of(3), 2u);
}

TEST(gguf_reader, checks_the_elements_it_skips) {
  gguf_limits lim;
  lim.max_array_kept = 2;
  auto strs = [](uint64_t bad_len) {
    return one_array(value_type::string, 4, [&](std::string& s, uint64_t i) {
      if (i == 3) return put_u64(s, bad_len);
      put_string(s, "xy");
    });
  };
  EXPECT_THAT(error_with(strs(uint64_t{2} << 20), lim), HasSubstr("element 3 of 'k' is 2097152 bytes, limit 1048576"));
  EXPECT_THAT(error_with(strs(1000), lim), HasSubstr("element 3 of 'k' of 1000 bytes runs past end of file"));
  auto bools = one_array(value_type::boolean, 5, [](std::string& s, uint64_t i) { s += char(i == 4 ? 2 : 1); });
  EXPECT_THAT(error_with(bools, lim), HasSubstr("key 'k': bool byte is 2"));
  // every truncation of a file whose arrays are mostly skipped is still refused
  auto bytes = all_types().bytes();
  lim.max_array_kept = 1;
  for (size_t n = 0; n < bytes.size(); ++n) ASSERT_FALSE(error_with(bytes.substr(0, n), lim).empty()) << n;
  EXPECT_EQ(error_with(bytes, lim), "");
}

TEST(gguf_reader, a_sixteen_million_element_array_keeps_only_the_bound) {
  const uint64_t n = uint64_t{16} << 20;  // max_array_elements
  auto s = head(0, 1);
  put_string(s, "huge");
  put_u32(s, uint32_t(value_type::array));
  put_u32(s, uint32_t(value_type::u8));
  put_u64(s, n);
  s.append(n, '\x03');
  auto f = parse(s);
  auto* v = f.find("huge");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->size(), n);
  EXPECT_EQ(v->kept(), gguf_limits{}.max_array_kept);
  EXPECT_EQ(v->ints.count_of(3), n);
  // strings past the bound: lengths read, bytes skipped; only the bound is decoded
  auto strs = one_array(value_type::string, 200000, [](std::string& s, uint64_t) { put_string(s, "tok"); });
  auto g = parse(strs);
  EXPECT_EQ(g.find("k")->size(), 200000u);
  EXPECT_EQ(g.find("k")->kept(), gguf_limits{}.max_array_kept);
}

TEST(gguf_reader, decoded_metadata_has_a_budget) {
  gguf_limits lim;
  lim.max_metadata_bytes = 64 * 1024;
  gguf_writer w;
  for (int i = 0; i < 1000; ++i) w.set_u32("k" + std::to_string(i), 1);
  EXPECT_THAT(error_with(w.bytes(), lim), HasSubstr("metadata exceeds 65536 decoded bytes"));
  lim.max_array_kept = 100000;
  auto big = one_array(value_type::u32, 10000, [](std::string& s, uint64_t i) { put_u32(s, uint32_t(i)); });
  EXPECT_THAT(error_with(big, lim), HasSubstr("metadata exceeds"));
  lim.max_array_kept = 16;  // the same array, kept to a prefix, fits
  EXPECT_EQ(error_with(big, lim), "");
}

TEST(gguf_reader, tensor_records_count_against_the_same_budget) {
  gguf_limits lim;
  lim.max_metadata_bytes = 16 * 1024;
  gguf_writer w;
  for (int i = 0; i < 200; ++i) w.add_tensor("t" + std::to_string(i), {32}, 0);  // 200 small f32 tensors
  EXPECT_THAT(error_with(w.bytes(), lim), HasSubstr("200 tensors would exceed the 16384 bytes"));
  gguf_writer few;
  for (int i = 0; i < 4; ++i) few.add_tensor("t" + std::to_string(i), {32}, 0);
  EXPECT_EQ(error_with(few.bytes(), lim), "");
}

TEST(gguf_reader, error_messages_escape_control_characters_from_the_file) {
  auto s = head(0, 2);
  for (int i = 0; i < 2; ++i) {
    put_string(s, "dup\x1b]0;owned\x07");
    put_u32(s, uint32_t(value_type::u8));
    s += '\x01';
  }
  auto err = error_of(s);
  EXPECT_THAT(err, HasSubstr("duplicate key 'dup\\x1b]0;owned\\x07'"));
  EXPECT_EQ(err.find('\x1b'), std::string::npos);
}
