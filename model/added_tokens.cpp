#include "model/added_tokens.h"

#include "core/error.h"
#include "model/unicode.h"

namespace r1 {

namespace {
// The whitespace code point ending at text[..end) / starting at text[begin..), if any, as its
// byte length (0 if none). lstrip/rstrip strip Unicode whitespace (Rust's char::is_whitespace).
size_t space_before(std::string_view text, size_t end) {
  size_t b = end;
  while (b > 0 && (static_cast<uint8_t>(text[b - 1]) & 0xC0) == 0x80) --b;
  if (b == 0) return 0;
  --b;
  std::vector<uint32_t> cp, off;
  decode_utf8(text.substr(b, end - b), cp, off);
  return cp.size() == 1 && is_space(cp[0]) ? end - b : 0;
}
size_t space_after(std::string_view text, size_t begin) {
  if (begin >= text.size()) return 0;
  uint8_t c = static_cast<uint8_t>(text[begin]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  std::vector<uint32_t> cp, off;
  decode_utf8(text.substr(begin, n), cp, off);
  return cp.size() == 1 && is_space(cp[0]) ? n : 0;
}
}  // namespace

int32_t AddedTokenMatcher::child(int32_t node, uint8_t b) const {
  for (const auto& [byte, idx] : nodes_[node].next) {
    if (byte == b) return idx;
  }
  return -1;
}

void AddedTokenMatcher::add(const AddedToken& t) {
  if (t.content.empty()) fail("added token ", t.id, " has empty content");
  int32_t node = 0;
  for (char ch : t.content) {
    uint8_t b = static_cast<uint8_t>(ch);
    int32_t c = child(node, b);
    if (c < 0) {
      c = static_cast<int32_t>(nodes_.size());
      nodes_.emplace_back();
      nodes_[node].next.emplace_back(b, c);
    }
    node = c;
  }
  // A later token with the same content wins, as in HF's added vocabulary.
  nodes_[node].token = static_cast<int32_t>(tokens_.size());
  tokens_.push_back(t);
  first_byte_[static_cast<uint8_t>(t.content[0])] = true;
}

bool AddedTokenMatcher::find(std::string_view text, size_t from, Match& m) const {
  if (tokens_.empty()) return false;
  for (size_t i = from; i < text.size(); ++i) {
    if (!first_byte_[static_cast<uint8_t>(text[i])]) continue;
    int32_t node = 0, best = -1;
    size_t best_end = 0;
    for (size_t j = i; j < text.size(); ++j) {
      node = child(node, static_cast<uint8_t>(text[j]));
      if (node < 0) break;
      if (nodes_[node].token >= 0) {
        best = nodes_[node].token;
        best_end = j + 1;
      }
    }
    if (best < 0) continue;
    const AddedToken& t = tokens_[best];
    m = {i, best_end, t.id};
    if (t.lstrip) {
      while (size_t n = space_before(text, m.begin)) {
        if (m.begin - n < from) break;
        m.begin -= n;
      }
    }
    if (t.rstrip) {
      while (size_t n = space_after(text, m.end)) m.end += n;
    }
    return true;
  }
  return false;
}

}  // namespace r1
