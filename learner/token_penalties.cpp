#include "learner/token_penalties.h"

#include <algorithm>

namespace r1 {

namespace {

// ends[k]: the byte where token k's text ends in the sample's text (decode_completion: an
// end-of-sequence or end-of-turn token that ends the tokens has no text there, and ends at the
// text's end).
std::vector<size_t> token_ends(const SampleResult& s, const Tokenizer& tok, int32_t end_of_turn) {
  std::vector<size_t> ends(s.tokens.size());
  const size_t n = s.tokens.size();
  const bool end_last = ends_on_end_token(tok, s.tokens, end_of_turn);
  // Each token's raw bytes: they add up to the text whenever the text is valid UTF-8, also where
  // a character is split across tokens.
  size_t at = 0;
  bool concatenates = true;
  for (size_t k = 0; k < (end_last ? n - 1 : n) && concatenates; ++k) {
    const std::string piece = tok.token_text(s.tokens[k]);
    concatenates = s.text.compare(at, piece.size(), piece) == 0;
    at += piece.size();
    ends[k] = at;
  }
  if (end_last) ends[n - 1] = at;
  if (concatenates && at == s.text.size()) return ends;
  // A text the decoder repaired (a completion cut inside a character): decode prefixes.
  std::vector<int32_t> prefix;
  size_t last = 0;
  for (size_t k = 0; k < s.tokens.size(); ++k) {
    prefix.push_back(s.tokens[k]);
    last = std::max(last, std::min(tok.decode(prefix).size(), s.text.size()));
    ends[k] = last;
  }
  return ends;
}

}  // namespace

std::vector<float> token_penalties(const SampleResult& s, const Tokenizer& tok,
                                   int32_t end_of_turn) {
  if (s.penalties.empty() || s.tokens.empty()) return {};
  const std::vector<size_t> ends = token_ends(s, tok, end_of_turn);
  std::vector<float> out(s.tokens.size(), 0.0f);
  for (const PenaltySpan& q : s.penalties) {
    // Tokens [first, ...) whose bytes [begin, end) overlap [q.begin, q.end).
    size_t k = static_cast<size_t>(
        std::upper_bound(ends.begin(), ends.end(), static_cast<size_t>(q.begin)) - ends.begin());
    for (; k < ends.size(); ++k) {
      const size_t begin = k == 0 ? 0 : ends[k - 1];
      if (begin >= static_cast<size_t>(q.end)) break;
      if (ends[k] > begin) out[k] -= static_cast<float>(q.value);
    }
  }
  return out;
}

int64_t penalised_tokens(const std::vector<float>& offsets) {
  return std::count_if(offsets.begin(), offsets.end(), [](float o) { return o != 0; });
}

}  // namespace r1
