// Token-level penalties: a scored sample's penalty spans (SampleResult::penalties, byte ranges of
// its text from a reward component's span_penalty) turned into per-token advantage offsets.
#pragma once
#include <cstdint>
#include <vector>

#include "core/rl_messages.h"
#include "model/tokenizer.h"

namespace r1 {

// One entry per completion token, to add to the sample's advantage: minus the sum of the values of
// the spans that overlap the token's bytes. Empty when the sample has no spans. A token's bytes
// are its raw bytes (Tokenizer::token_text) where they add up to the text; where they do not (the
// decoder replaced a character cut off at the end) the tokens are placed by decoding prefixes,
// which is exact up to the repaired character. end_of_turn: as for decode_completion, whose text
// the sample's is.
std::vector<float> token_penalties(const SampleResult& s, const Tokenizer& tok,
                                   int32_t end_of_turn);

// How many tokens the offsets touch.
int64_t penalised_tokens(const std::vector<float>& offsets);

}  // namespace r1
