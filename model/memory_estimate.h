// What a model, a training step or a generation will hold in memory, computed from the configs
// alone before anything is allocated, so that an absurd size fails with the field to fix instead
// of std::bad_alloc, or a machine swapping for an hour. Everything is computed in double: no
// value can wrap (10^9 x 10^9 is 10^18, not a negative number). The parts are what dominates;
// small allocations (tokenizer, channels, bookkeeping of a few bytes per step) are left out.
#pragma once
#include <string>
#include <vector>

#include "model/config.h"

namespace r1 {

// A field that drives a part's size, as the user writes it ("hidden_size", "rollout.slots",
// "--samples"), its value, and the largest value in common use: when a part is too big, the
// field furthest above its usual value is the one the error names.
struct SizeField {
  std::string name;
  double value = 0;
  double usual = 1;
};

struct MemoryPart {
  std::string what;  // "the policy's weights, gradients and AdamW moments"
  double bytes = 0;
  std::vector<SizeField> fields;
};

struct MemoryEstimate {
  std::vector<MemoryPart> parts;
  double total() const;
  MemoryEstimate& add(MemoryPart p);
};

// ParamTable(c).total(), without building the table.
double model_param_count(const ModelConfig& c);
// The parameter table's own bookkeeping (names, shapes, index) for all of c's tensors.
double param_table_bytes(const ModelConfig& c);
// KVCache<float>(c, slots, max_len).bytes().
double kv_cache_bytes(const ModelConfig& c, double slots, double max_len);
// Training activations and scratch of a batch of `tokens` tokens (forward and backward, float):
// per-token buffers, and the LM head's logits and their gradient for one chunk of rows
// (Model::kHeadLogitsValues each at most).
double train_activation_bytes(const ModelConfig& c, double tokens);

// The fields of c that size its parameters.
std::vector<SizeField> model_size_fields(const ModelConfig& c);
// `copies` float copies of the parameters (1: weights; 4: weights, gradients, two AdamW moments)
// plus the parameter table.
MemoryPart model_weights_part(const ModelConfig& c, double copies, const std::string& what);
// `caches` KV caches of `slots` x `max_len` tokens; `fields` names where slots and caches come
// from (the model's attention sizes are added).
MemoryPart kv_cache_part(const ModelConfig& c, double caches, double slots, double max_len,
                         const std::string& what, std::vector<SizeField> fields);

// Throws r1::Error when the estimate exceeds memory_limit(): the message names `where`, the total,
// the limit and where it comes from, the largest part, and the field to lower.
void check_memory(const MemoryEstimate& e, const std::string& where);

}  // namespace r1
