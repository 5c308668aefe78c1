#include "core/engine_options.h"

namespace sy::engine {

const char* to_string(flash_attention f) {
  switch (f) {
    case flash_attention::on: return "on";
    case flash_attention::off: return "off";
    case flash_attention::automatic: break;
  }
  return "auto";
}

engine_settings apply_overrides(engine_settings s, const engine_overrides& o) {
  if (o.context_size) s.context_size = *o.context_size;
  if (o.parallel) s.parallel = *o.parallel;
  if (o.threads) s.threads = *o.threads;
  if (o.batch_size) s.batch_size = *o.batch_size;
  if (o.gpu_layers) s.gpu_layers = *o.gpu_layers;
  if (o.flash_attn) s.flash_attn = *o.flash_attn;
  if (o.cache_type_k) s.cache_type_k = *o.cache_type_k;
  if (o.cache_type_v) s.cache_type_v = *o.cache_type_v;
  if (o.pooling) s.pooling = *o.pooling;
  if (o.embeddings) s.embeddings = *o.embeddings;
  if (o.warmup) s.warmup = *o.warmup;
  if (o.start_timeout) s.start_timeout = *o.start_timeout;
  if (o.extra_args) s.extra_args = *o.extra_args;
  return s;
}

}  // namespace sy::engine
