// Placement: RAM/VRAM split and GPU layer choice from a footprint (no GPU needed).
#include "engine/placement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using sy::engine::gpu_memory;
using sy::engine::model_footprint;
using sy::engine::place;
using testing::HasSubstr;

namespace {
constexpr std::uint64_t MiB = 1ull << 20, GiB = 1ull << 30;
// 31 blocks + the output head = 32 "layers" of 128 MiB (weights + KV) each
const model_footprint f{.weights_bytes = 3 * GiB, .kv_bytes = 1 * GiB, .compute_bytes = 256 * MiB, .n_layer = 31};
}  // namespace

TEST(placement, without_a_gpu_everything_is_in_ram) {
  auto p = place(f, std::nullopt, std::nullopt);
  EXPECT_FALSE(p.gpu_layers.has_value());
  EXPECT_EQ(p.ram_bytes, f.total());
  EXPECT_EQ(p.vram_bytes, 0u);
  EXPECT_THAT(p.summary, HasSubstr("4.25 GiB: weights 3.00 GiB + KV cache 1.00 GiB + compute 256.00 MiB"));
}

TEST(placement, auto_offloads_the_layers_that_fit_in_free_vram) {
  gpu_memory big{.name = "GPU", .free_bytes = 80 * GiB, .total_bytes = 80 * GiB};
  auto all = place(f, std::nullopt, big);
  EXPECT_EQ(all.gpu_layers, 32u);
  EXPECT_LT(all.ram_bytes, 64 * MiB);  // what rounding leaves

  // 2 GiB free: less the 512 MiB reserve and 256 MiB compute = 1.25 GiB = 9 layers of ~128 MiB
  gpu_memory small{.name = "GPU", .free_bytes = 2 * GiB, .total_bytes = 8 * GiB};
  auto some = place(f, std::nullopt, small);
  EXPECT_EQ(some.gpu_layers, 9u);
  EXPECT_GT(some.ram_bytes, 2 * GiB);
  EXPECT_THAT(some.summary, HasSubstr("9/32 layers on GPU"));

  gpu_memory none{.name = "GPU", .free_bytes = 100 * MiB, .total_bytes = 8 * GiB};
  EXPECT_EQ(place(f, std::nullopt, none).gpu_layers, 0u);
}

TEST(placement, a_configured_layer_count_is_kept) {
  gpu_memory big{.name = "GPU", .free_bytes = 80 * GiB, .total_bytes = 80 * GiB};
  EXPECT_EQ(place(f, 10u, big).gpu_layers, 10u);
  EXPECT_EQ(place(f, 999u, big).gpu_layers, 32u);
  EXPECT_EQ(place(f, 10u, std::nullopt).gpu_layers, 10u);
}
