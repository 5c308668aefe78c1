#include "store/model_naming.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace sy::store {
namespace {

// Lower case; runs of characters other than [a-z0-9._] become one '-'; no '-' or '.' at the ends.
std::string slug(std::string_view s) {
  std::string out;
  bool dash = false;
  for (char c : s) {
    char l = char(std::tolower(static_cast<unsigned char>(c)));
    bool keep = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '_';
    if (!keep) {
      dash = !out.empty();
      continue;
    }
    if (dash) out += '-';
    dash = false;
    out += l;
  }
  while (!out.empty() && (out.back() == '.' || out.back() == '-')) out.pop_back();
  while (!out.empty() && (out.front() == '.' || out.front() == '-')) out.erase(out.begin());
  return out;
}

// True when `part` appears in `family` as whole '-'-separated words ("0.5b" in "qwen2.5-0.5b").
bool has_words(const std::string& family, const std::string& part) {
  std::string f = "-" + family + "-";
  return f.find("-" + part + "-") != std::string::npos;
}

// Quantization-looking words of a file name, lower case: q4_k_m, iq2_xxs, f16, bf16, q8_0, ...
bool is_quant_word(std::string_view w) {
  static const std::vector<std::string_view> exact = {"f32", "f16", "bf16", "fp16", "fp32", "mxfp4"};
  if (std::find(exact.begin(), exact.end(), w) != exact.end()) return true;
  size_t i = 0;
  if (w.starts_with("iq") || w.starts_with("tq"))
    i = 2;
  else if (w.starts_with("q"))
    i = 1;
  if (i == 0 || i >= w.size() || !std::isdigit(static_cast<unsigned char>(w[i]))) return false;
  for (char c : w.substr(i))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// The file's stem without ".gguf" and without a split suffix.
std::string file_stem(const std::string& path) {
  std::string p = path;
  if (auto s = parse_split_name(path)) p = s->prefix + ".gguf";
  return std::filesystem::path(p).stem().string();
}

}  // namespace

std::string base_model_name(const model_header& h, const std::string& first_file) {
  std::string family = slug(!h.basename.empty() ? h.basename : h.name);
  if (!family.empty()) {
    for (const auto& extra : {h.size_label, h.finetune}) {
      auto e = slug(extra);
      if (!e.empty() && !has_words(family, e)) family += "-" + e;
    }
  }
  auto stem = slug(file_stem(first_file));
  // The file name's last word when it names a quantization ("...-q4_k_m", "...8b.Q4_K_M"), dropped
  // from the family.
  std::string file_quant;
  if (auto sep = stem.find_last_of("-."); sep != std::string::npos && is_quant_word(stem.substr(sep + 1))) {
    file_quant = stem.substr(sep + 1);
    stem.resize(sep);
  } else if (is_quant_word(stem)) {
    file_quant = stem;
  }
  if (family.empty()) family = stem.empty() ? "model" : stem;
  std::string tag = slug(h.quantization);
  if (tag.empty()) tag = file_quant.empty() ? "latest" : file_quant;
  return family + ":" + tag;
}

std::string unique_model_name(const std::string& base, const std::function<bool(const std::string&)>& taken) {
  if (!taken(base)) return base;
  for (int n = 2;; ++n) {
    auto candidate = base + "-" + std::to_string(n);
    if (!taken(candidate)) return candidate;
  }
}

std::optional<split_name> parse_split_name(std::string_view path) {
  // "-00001-of-00003.gguf" is 20 characters.
  constexpr std::string_view ext = ".gguf";
  if (path.size() <= 20 || !path.ends_with(ext)) return std::nullopt;
  auto tail = path.substr(path.size() - 20);
  auto digits = [](std::string_view d) {
    int v = 0;
    for (char c : d) {
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  if (tail[0] != '-' || tail.substr(6, 4) != "-of-") return std::nullopt;
  int part = digits(tail.substr(1, 5)), count = digits(tail.substr(10, 5));
  if (part < 1 || count < 1 || part > count) return std::nullopt;
  return split_name{std::string(path.substr(0, path.size() - 20)), part, count};
}

std::string split_part_path(const std::string& prefix, int part, int count) {
  char tail[32];
  std::snprintf(tail, sizeof tail, "-%05d-of-%05d.gguf", part, count);
  return prefix + tail;
}

}  // namespace sy::store
