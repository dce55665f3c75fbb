// Token-level penalties: a scored sample's penalty spans (SampleResult::penalties, byte ranges of
// its text from a reward component's span_penalty) turned into per-token advantage offsets.
#pragma once
#include <vector>

#include "core/rl_messages.h"
#include "model/tokenizer.h"

namespace r1 {

// One entry per completion token, to add to the sample's advantage: minus the sum of the values of
// the spans that overlap the token's bytes. Empty when the sample has no spans. A token's bytes
// are where it falls in the decoded text; tokens that decode to nothing on their own (part of a
// multi-byte character) are placed by decoding the prefixes instead.
std::vector<float> token_penalties(const SampleResult& s, const Tokenizer& tok);

}  // namespace r1
