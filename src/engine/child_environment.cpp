#include "engine/child_environment.h"

#include <array>

namespace sy::engine {

namespace {

constexpr std::array exact_names = {
    std::string_view("PATH"),
    std::string_view("HOME"),
    std::string_view("USER"),
    std::string_view("LOGNAME"),
    std::string_view("LANG"),
    std::string_view("LANGUAGE"),
    std::string_view("TZ"),
    std::string_view("TMPDIR"),
    std::string_view("LD_LIBRARY_PATH"),
    std::string_view("XDG_CACHE_HOME"),
    std::string_view("XDG_RUNTIME_DIR"),
};

// Families by prefix: locale, GPU runtimes (CUDA, ROCm/HIP, Vulkan, Metal, SYCL), ggml's own
// switches, thread pools of the math libraries, sanitizer options of test builds.
constexpr std::array prefixes = {
    std::string_view("LC_"),     std::string_view("CUDA_"), std::string_view("NVIDIA_"),   std::string_view("HIP_"),
    std::string_view("ROCR_"),   std::string_view("HSA_"),  std::string_view("GPU_"),      std::string_view("VK_"),
    std::string_view("GGML_"),   std::string_view("OMP_"),  std::string_view("OPENBLAS_"), std::string_view("MKL_"),
    std::string_view("ONEAPI_"), std::string_view("SYCL_"), std::string_view("ZES_"),      std::string_view("ASAN_"),
    std::string_view("UBSAN_"),  std::string_view("TSAN_"), std::string_view("LSAN_"),
};

std::string_view name_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

bool inherited_by_children(std::string_view entry) {
  auto name = name_of(entry);
  if (name.empty() || name.size() == entry.size()) return false;
  for (auto n : exact_names)
    if (name == n) return true;
  for (auto p : prefixes)
    if (name.starts_with(p)) return true;
  return false;
}

std::vector<std::string> child_environment(char** parent, const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = parent; e && *e; ++e) {
    std::string_view entry(*e);
    if (!inherited_by_children(entry)) continue;
    bool overridden = false;
    for (const auto& x : extra) overridden = overridden || name_of(x) == name_of(entry);
    if (!overridden) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

}  // namespace sy::engine
