#include "learner/token_penalties.h"

#include <algorithm>

#include "model/unicode.h"

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
  // A text the decoder repaired (a completion cut inside a character, a stray byte): where the
  // text is the tokens' bytes with each maximal ill-formed subsequence made U+FFFD (the BPE
  // decoder's rule), each token's end maps through that replacement. (Decoding prefixes instead
  // put a lone lead byte's U+FFFD, 3 bytes, where its character has 2, and the next tokens
  // overlapped nothing: a span penalty missed them.)
  std::string raw;
  std::vector<size_t> raw_ends(n);
  for (size_t k = 0; k < (end_last ? n - 1 : n); ++k) {
    raw += tok.token_text(s.tokens[k]);
    raw_ends[k] = raw.size();
  }
  if (end_last) raw_ends[n - 1] = raw.size();
  std::vector<size_t> out_at;
  if (sanitize_utf8(raw, &out_at) == s.text) {
    for (size_t k = 0; k < n; ++k) ends[k] = out_at[raw_ends[k]];
    return ends;
  }
  // Another repair: decode prefixes.
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
