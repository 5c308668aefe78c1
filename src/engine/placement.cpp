#include "engine/placement.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "core/human_units.h"
#include "gguf/byte_source.h"
#include "gguf/gguf_file.h"
#include "gguf/model_report.h"

namespace sy::engine {

std::vector<gpu_memory> detect_gpus() {
  std::vector<gpu_memory> out;
  // `timeout` bounds a hung driver; a machine without nvidia-smi prints nothing here.
  std::unique_ptr<FILE, int (*)(FILE*)> p(
      ::popen("command -v nvidia-smi >/dev/null 2>&1 && timeout 5 nvidia-smi "
              "--query-gpu=name,memory.free,memory.total --format=csv,noheader,nounits 2>/dev/null",
              "r"),
      ::pclose);
  if (!p) return out;
  std::array<char, 512> line{};
  while (std::fgets(line.data(), int(line.size()), p.get())) {
    // "NVIDIA H100 80GB HBM3, 80000, 81559" (MiB)
    std::string s(line.data());
    auto c2 = s.rfind(','), c1 = c2 == std::string::npos ? c2 : s.rfind(',', c2 - 1);
    if (c1 == std::string::npos) continue;
    gpu_memory g;
    g.name = s.substr(0, c1);
    try {
      g.free_bytes = std::stoull(s.substr(c1 + 1, c2 - c1 - 1)) << 20;
      g.total_bytes = std::stoull(s.substr(c2 + 1)) << 20;
    } catch (const std::exception&) {
      continue;
    }
    out.push_back(std::move(g));
  }
  return out;
}

model_footprint estimate_footprint(const std::string& path, const engine_settings& s, std::uint64_t file_bytes) {
  gguf::file_source src(path);
  auto file = gguf::read_gguf(src);
  gguf::inspect_options opt;
  std::uint64_t parallel = std::max<std::uint32_t>(s.parallel, 1);
  std::uint64_t ctx = s.context_size;
  auto facts = gguf::read_model_facts(file);
  if (ctx == 0) ctx = facts.context_length ? facts.context_length * parallel : 4096;
  opt.contexts = {std::max<std::uint64_t>(ctx / parallel, 1)};
  opt.parallel = parallel;
  opt.cache_type = s.cache_type_k;  // the report models one type for K and V
  opt.available_bytes = 1;          // not asked here: placement compares
  auto report = gguf::build_report(file, path, opt);
  const auto& m = report.memory.front();
  model_footprint f;
  f.weights_bytes = std::max(m.weights_bytes, file_bytes);
  f.kv_bytes = s.embeddings ? 0 : m.kv.bytes();  // embedding engines keep no cache worth counting
  f.compute_bytes = m.compute_bytes;
  f.n_layer = report.facts.n_layer;
  return f;
}

placement place(const model_footprint& f, std::optional<std::uint32_t> configured,
                const std::optional<gpu_memory>& gpu) {
  placement p;
  std::uint64_t layers = f.n_layer + 1;  // the blocks and the output head, as llama.cpp counts them
  std::uint64_t on_gpu = 0;
  if (gpu) {
    if (configured) {
      on_gpu = std::min<std::uint64_t>(*configured, layers);
    } else {
      std::uint64_t per_layer = (f.weights_bytes + f.kv_bytes) / std::max<std::uint64_t>(layers, 1) + 1;
      std::uint64_t room = gpu->free_bytes > vram_reserve_bytes + f.compute_bytes
                               ? gpu->free_bytes - vram_reserve_bytes - f.compute_bytes
                               : 0;
      on_gpu = std::min<std::uint64_t>(room / per_layer, layers);
    }
    p.gpu_layers = static_cast<std::uint32_t>(on_gpu);
  } else if (configured) {
    p.gpu_layers = configured;  // a CPU-only build ignores it; keep what the operator asked for
  }
  std::uint64_t offloaded = layers ? (f.weights_bytes + f.kv_bytes) / layers * on_gpu : 0;
  p.vram_bytes = on_gpu ? offloaded + f.compute_bytes : 0;
  p.ram_bytes = f.total() - std::min(f.total(), p.vram_bytes);
  p.summary = fmt::format("{}: weights {} + KV cache {} + compute {}", human_bytes(f.total()),
                          human_bytes(f.weights_bytes), human_bytes(f.kv_bytes), human_bytes(f.compute_bytes));
  if (gpu) p.summary += fmt::format("; {}/{} layers on {}", on_gpu, layers, gpu->name);
  return p;
}

}  // namespace sy::engine
