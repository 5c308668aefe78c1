// The local model store on real GGUF files written into temp folders: scanning, naming, splits,
// the header cache, manifest persistence, remove, and refusing a bad manifest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "child_process.h"
#include "gguf_fixtures.h"
#include "store/model_library.h"
#include "store/store_error.h"
#include "store/store_home.h"

using namespace sy::store;
using namespace sy::test;
using testing::ElementsAre;
using testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

// A tiny llama model named by its metadata: "<basename>-<size>-<finetune>:q4_k_m".
gguf_writer named_fixture(const std::string& basename, const std::string& finetune = "Instruct") {
  auto w = llama_fixture();
  w.set_string("general.basename", basename);
  w.set_string("general.size_label", "0.5B");
  w.set_string("general.finetune", finetune);
  w.set_u32("general.file_type", 15);  // MOSTLY_Q4_K_M (the tensors are F32; only the label matters here)
  return w;
}

void write_model(const std::string& path, const gguf_writer& w) {
  fs::create_directories(fs::path(path).parent_path());
  w.write(path);
}

std::vector<std::string> names(const model_library& lib) {
  std::vector<std::string> out;
  for (const auto& m : lib.list()) out.push_back(m.name);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST(store_home, environment_precedence) {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      return it == vars.end() ? std::nullopt : std::optional(it->second);
    };
  };
  EXPECT_EQ(default_home(env({{"HOME", "/h"}})), "/h/.local/share/switchyard");
  EXPECT_EQ(default_home(env({{"HOME", "/h"}, {"XDG_DATA_HOME", "/x"}})), "/x/switchyard");
  EXPECT_EQ(default_home(env({{"HOME", "/h"}, {"XDG_DATA_HOME", "/x"}, {"SWITCHYARD_HOME", "/s"}})), "/s");
  EXPECT_THROW(default_home(env({})), store_error);
  EXPECT_EQ(resolve_home("~/store", env({{"HOME", "/h"}})), "/h/store");
  EXPECT_EQ(resolve_home("/cfg", env({{"SWITCHYARD_HOME", "/s"}})), "/s");
  EXPECT_EQ(resolve_home("", env({{"HOME", "/h"}})), "/h/.local/share/switchyard");
}

TEST(model_library, names_from_metadata_and_reads_the_header_facts) {
  auto home = temp_dir();
  auto w = named_fixture("Qwen2.5");
  write_model(home + "/models/qwen.gguf", w);
  model_library lib({home, {}});
  EXPECT_TRUE(lib.refresh().empty());
  auto m = lib.find("qwen2.5-0.5b-instruct:q4_k_m");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path, lib.models_dir() + "/qwen.gguf");
  EXPECT_THAT(m->files, ElementsAre(m->path));
  EXPECT_EQ(m->size_bytes, fs::file_size(m->path));
  EXPECT_TRUE(m->in_store);
  EXPECT_EQ(m->source, "store");
  EXPECT_EQ(m->architecture, "llama");
  EXPECT_EQ(m->quantization, "Q4_K_M");
  EXPECT_EQ(m->size_label, "0.5B");
  EXPECT_EQ(m->parameters, w.tensor_params());
  EXPECT_EQ(m->context_length, 2048u);
  EXPECT_FALSE(m->embedding);
  EXPECT_GT(m->added, 0);
  EXPECT_TRUE(lib.find("QWEN2.5-0.5B-Instruct:Q4_K_M"));  // case-insensitive
}

TEST(model_library, scans_folders_recursively_and_skips_what_is_not_a_model) {
  auto home = temp_dir(), dir = temp_dir();
  write_model(dir + "/a/b/model.gguf", named_fixture("Deep"));
  write_model(dir + "/top.gguf", named_fixture("Top"));
  // Embedding model: pooling type present.
  auto emb = named_fixture("Embed", "");
  emb.set_u32("llama.pooling_type", 1);
  write_model(dir + "/emb.gguf", emb);
  // Not models: vocab-only (no tensors), a projector by name, an adapter, junk.
  gguf_writer vocab;
  vocab.set_string("general.architecture", "llama");
  add_tokenizer(vocab);
  write_model(dir + "/ggml-vocab-llama.gguf", vocab);
  write_model(dir + "/mmproj-model-f16.gguf", named_fixture("Proj"));
  auto lora = named_fixture("Lora");
  lora.set_string("general.type", "adapter");
  write_model(dir + "/lora.gguf", lora);
  write_file(dir + "/readme.txt", "hello");
  auto bytes = named_fixture("Cut").bytes();
  write_file(dir + "/a/cut.gguf", bytes.substr(0, 300));
  write_file(dir + "/empty.gguf", "");

  model_library lib({home, {dir, dir + "/missing"}});
  auto warnings = joined(lib.refresh());
  EXPECT_THAT(names(lib), ElementsAre("deep-0.5b-instruct:q4_k_m", "embed-0.5b:q4_k_m", "top-0.5b-instruct:q4_k_m"));
  EXPECT_THAT(warnings, HasSubstr("skipped " + dir + "/a/cut.gguf: not a readable GGUF file: at byte"));
  EXPECT_THAT(warnings, HasSubstr("skipped " + dir + "/empty.gguf"));
  EXPECT_THAT(warnings, HasSubstr(dir + "/missing: not found"));
  EXPECT_THAT(warnings, testing::Not(HasSubstr("vocab")));
  auto m = lib.find("deep-0.5b-instruct:q4_k_m");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->in_store);
  EXPECT_EQ(m->source, "path");
  EXPECT_TRUE(lib.find("embed-0.5b:q4_k_m")->embedding);
}

TEST(model_library, split_files_are_one_model) {
  auto home = temp_dir();
  auto dir = home + "/models/owner/repo";
  auto first = named_fixture("Big");
  first.set_u32("split.no", 0);
  first.set_u32("split.count", 3);
  write_model(dir + "/big-00001-of-00003.gguf", first);
  uint64_t params = first.tensor_params();
  for (int i = 2; i <= 3; ++i) {
    gguf_writer part;
    part.set_u32("split.no", uint32_t(i - 1));
    part.set_u32("split.count", 3);
    part.add_tensor("blk." + std::to_string(i) + ".ffn_up.weight", {64, 32}, 0);
    params += part.tensor_params();
    write_model(dir + "/big-0000" + std::to_string(i) + "-of-00003.gguf", part);
  }
  // A split with a missing part, elsewhere.
  write_model(home + "/models/half-00001-of-00002.gguf", named_fixture("Half"));

  model_library lib({home, {}});
  auto warnings = joined(lib.refresh());
  EXPECT_THAT(warnings, HasSubstr("half-00002-of-00002.gguf"));
  ASSERT_THAT(names(lib), ElementsAre("big-0.5b-instruct:q4_k_m"));
  auto m = *lib.find("big-0.5b-instruct:q4_k_m");
  EXPECT_EQ(m.path, lib.models_dir() + "/owner/repo/big-00001-of-00003.gguf");
  ASSERT_EQ(m.files.size(), 3u);
  EXPECT_EQ(m.files[2], lib.models_dir() + "/owner/repo/big-00003-of-00003.gguf");
  uint64_t size = 0;
  for (const auto& f : m.files) size += fs::file_size(f);
  EXPECT_EQ(m.size_bytes, size);
  EXPECT_EQ(m.parameters, params);

  // Removing deletes every part and the folders left empty.
  lib.remove(m.name);
  EXPECT_FALSE(fs::exists(home + "/models/owner"));
  EXPECT_TRUE(fs::exists(home + "/models"));
  EXPECT_TRUE(fs::exists(home + "/models/half-00001-of-00002.gguf"));
}

TEST(model_library, collisions_are_settled_in_path_order_and_names_stay) {
  auto home = temp_dir(), dir = temp_dir();
  write_model(dir + "/b/m.gguf", named_fixture("Same"));
  write_model(dir + "/c/m.gguf", named_fixture("Same"));
  {
    model_library lib({home, {dir}});
    lib.refresh();
    EXPECT_EQ(lib.find("same-0.5b-instruct:q4_k_m")->path, dir + "/b/m.gguf");
    EXPECT_EQ(lib.find("same-0.5b-instruct:q4_k_m-2")->path, dir + "/c/m.gguf");
  }
  // A new file that sorts first does not take an existing name, on the next start either.
  write_model(dir + "/a/m.gguf", named_fixture("Same"));
  for (int start = 0; start < 2; ++start) {
    model_library lib({home, {dir}});
    lib.refresh();
    EXPECT_EQ(lib.find("same-0.5b-instruct:q4_k_m")->path, dir + "/b/m.gguf");
    EXPECT_EQ(lib.find("same-0.5b-instruct:q4_k_m-2")->path, dir + "/c/m.gguf");
    EXPECT_EQ(lib.find("same-0.5b-instruct:q4_k_m-3")->path, dir + "/a/m.gguf");
  }
  // A fresh manifest names the same files the same way on any machine: path order.
  auto other_home = temp_dir();
  model_library fresh({other_home, {dir}});
  fresh.refresh();
  EXPECT_EQ(fresh.find("same-0.5b-instruct:q4_k_m")->path, dir + "/a/m.gguf");
  EXPECT_EQ(fresh.find("same-0.5b-instruct:q4_k_m-3")->path, dir + "/c/m.gguf");
}

TEST(model_library, headers_are_read_again_only_when_size_or_mtime_change) {
  auto home = temp_dir();
  auto path = home + "/models/m.gguf";
  auto good = named_fixture("Cached").bytes();
  fs::create_directories(home + "/models");
  write_file(path, good);
  model_library lib({home, {}});
  lib.refresh();
  ASSERT_TRUE(lib.find("cached-0.5b-instruct:q4_k_m"));

  // Same size and mtime, broken header: the cached facts are used, the file is not read.
  auto mtime = fs::last_write_time(path);
  auto broken = good;
  broken[0] = 'X';
  write_file(path, broken);
  fs::last_write_time(path, mtime);
  EXPECT_TRUE(lib.refresh().empty());
  EXPECT_TRUE(lib.find("cached-0.5b-instruct:q4_k_m"));

  // A new mtime: read again, found broken, skipped with a warning (on every refresh).
  fs::last_write_time(path, mtime + std::chrono::seconds(5));
  EXPECT_THAT(joined(lib.refresh()), HasSubstr("skipped " + lib.models_dir() + "/m.gguf: not a readable GGUF file"));
  EXPECT_FALSE(lib.find("cached-0.5b-instruct:q4_k_m"));
  EXPECT_THAT(joined(lib.refresh()), HasSubstr("skipped " + lib.models_dir() + "/m.gguf: not a readable GGUF file"));

  // Files that are not models are remembered, not read again, until they change.
  gguf_writer vocab;
  add_tokenizer(vocab);
  write_model(home + "/models/vocab.gguf", vocab);
  EXPECT_THAT(joined(lib.refresh()), testing::Not(HasSubstr("vocab")));
  {
    model_manifest m(manifest_path(home));
    auto skipped = m.skipped();
    ASSERT_EQ(skipped.size(), 2u);
    EXPECT_EQ(skipped[1].path, lib.models_dir() + "/vocab.gguf");
    EXPECT_EQ(skipped[1].reason, "no tensors (vocab-only file)");
    EXPECT_FALSE(skipped[1].bad);
    EXPECT_TRUE(skipped[0].bad);
  }
  auto vocab_mtime = fs::last_write_time(home + "/models/vocab.gguf");
  write_file(home + "/models/vocab.gguf", good.substr(0, fs::file_size(home + "/models/vocab.gguf")));
  fs::last_write_time(home + "/models/vocab.gguf", vocab_mtime);
  EXPECT_TRUE(lib.refresh().size() == 1);  // only the broken m.gguf: vocab.gguf was not read again

  // The broken file repaired: listed again, and no longer remembered as skipped.
  write_file(path, good);
  lib.refresh();
  EXPECT_TRUE(lib.find("cached-0.5b-instruct:q4_k_m"));
  EXPECT_EQ(model_manifest(manifest_path(home)).skipped().size(), 1u);
}

TEST(model_library, registered_files_persist_across_reopen) {
  auto home = temp_dir();
  write_model(home + "/models/hf/q.gguf", named_fixture("Pulled"));
  local_model registered;
  {
    model_library lib({home, {}});
    registered = lib.register_file(home + "/models/hf/q.gguf", "hf:owner/repo/q.gguf", "ab12");
    EXPECT_EQ(registered.name, "pulled-0.5b-instruct:q4_k_m");
  }
  model_library lib({home, {}});
  lib.refresh();  // a refresh keeps the origin of a known, unchanged file
  auto m = lib.find(registered.name);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->source, "hf:owner/repo/q.gguf");
  EXPECT_EQ(m->sha256, "ab12");
  EXPECT_EQ(m->added, registered.added);
  EXPECT_TRUE(m->in_store);
  EXPECT_EQ(m->parameters, registered.parameters);

  // Registering again keeps the name; a vocab-only file is refused.
  EXPECT_EQ(lib.register_file(m->path, "hf:x/y/q.gguf", "cd34").name, registered.name);
  EXPECT_EQ(lib.find(registered.name)->sha256, "cd34");
  gguf_writer vocab;
  add_tokenizer(vocab);
  write_model(home + "/models/vocab.gguf", vocab);
  try {
    lib.register_file(home + "/models/vocab.gguf", "hf:a/b/vocab.gguf");
    FAIL() << "a vocab-only file was registered";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_errc::not_a_model);
  }
}

TEST(model_library, remove_deletes_store_files_and_refuses_config_paths) {
  auto home = temp_dir(), dir = temp_dir();
  write_model(home + "/models/s.gguf", named_fixture("Stored"));
  write_model(dir + "/p.gguf", named_fixture("Placed"));
  model_library lib({home, {dir + "/p.gguf"}});
  lib.refresh();

  try {
    lib.remove("placed-0.5b-instruct:q4_k_m");
    FAIL() << "a models.paths file was removed";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_errc::registered_in_place);
    EXPECT_THAT(e.what(), HasSubstr("models.paths"));
  }
  EXPECT_TRUE(fs::exists(dir + "/p.gguf"));

  try {
    lib.remove("nope");
    FAIL();
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_errc::not_found);
  }

  auto removed = lib.remove("stored-0.5b-instruct:q4_k_m");
  EXPECT_EQ(removed.path, lib.models_dir() + "/s.gguf");
  EXPECT_FALSE(fs::exists(removed.path));
  EXPECT_FALSE(lib.find("stored-0.5b-instruct:q4_k_m"));
  lib.refresh();
  EXPECT_THAT(names(lib), ElementsAre("placed-0.5b-instruct:q4_k_m"));

  // A path dropped from the configuration is forgotten, its file left alone.
  model_library without({home, {}});
  without.refresh();
  EXPECT_TRUE(without.list().empty());
  EXPECT_TRUE(fs::exists(dir + "/p.gguf"));
}

TEST(model_library, files_deleted_behind_its_back_are_forgotten) {
  auto home = temp_dir();
  write_model(home + "/models/gone.gguf", named_fixture("Gone"));
  model_library lib({home, {}});
  lib.refresh();
  ASSERT_EQ(lib.list().size(), 1u);
  fs::remove(home + "/models/gone.gguf");
  EXPECT_THAT(joined(lib.refresh()),
              HasSubstr("gone-0.5b-instruct:q4_k_m: " + lib.models_dir() + "/gone.gguf is gone"));
  EXPECT_TRUE(lib.list().empty());
}

TEST(model_manifest, refuses_a_file_that_is_not_a_manifest) {
  auto home = temp_dir();
  write_file(manifest_path(home), std::string(4096, 'x'));
  try {
    model_library lib({home, {}});
    FAIL() << "opened a corrupt manifest";
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_errc::bad_manifest);
    EXPECT_THAT(e.what(), HasSubstr(manifest_path(home)));
    EXPECT_THAT(e.what(), HasSubstr("not a database"));
  }
}

TEST(model_manifest, refuses_an_unknown_schema_version) {
  auto path = temp_dir() + "/manifest.db";
  { model_manifest m(path); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  try {
    model_manifest m(path);
    FAIL();
  } catch (const store_error& e) {
    EXPECT_EQ(e.kind(), store_errc::bad_manifest);
    EXPECT_THAT(e.what(), HasSubstr("schema version 99"));
  }
}

TEST(model_manifest, put_replaces_by_name_and_by_path) {
  model_manifest m(temp_dir() + "/manifest.db");
  manifest_entry e;
  e.model.name = "a:f16";
  e.model.path = "/p/a.gguf";
  e.model.files = {"/p/a.gguf"};
  e.model.size_bytes = 5'000'000'000ull;
  e.mtime_ns = 123;
  m.put(e);
  e.model.name = "b:f16";  // same path, new name: one row
  m.put(e);
  auto rows = m.list();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].model.name, "b:f16");
  EXPECT_EQ(rows[0].model.size_bytes, 5'000'000'000ull);
  EXPECT_EQ(rows[0].mtime_ns, 123);
  EXPECT_TRUE(m.find_path("/p/a.gguf"));
  EXPECT_TRUE(m.remove("b:f16"));
  EXPECT_FALSE(m.remove("b:f16"));
  // A failing transaction leaves nothing behind.
  EXPECT_THROW(m.in_transaction([&] {
    m.put(e);
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_TRUE(m.list().empty());
}
