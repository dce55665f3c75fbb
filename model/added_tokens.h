// Added tokens of a Hugging Face tokenizer (special ones such as <|im_end|> and plain ones such
// as Qwen's <think>): they are found in the text before normalization and pre-tokenization, and
// each match becomes its id directly. Matching is leftmost-longest, as HF's Aho-Corasick does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1 {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;      // the match also takes the whitespace before it
  bool rstrip = false;      // ... and after it
  bool normalized = false;  // matched in normalized text (its content normalized too)
};

class AddedTokenMatcher {
 public:
  void add(const AddedToken& t);
  bool empty() const { return tokens_.empty(); }

  struct Match {
    size_t begin, end;  // bytes of the text taken, whitespace included for lstrip/rstrip
    int32_t id;
  };
  // The leftmost-longest match in text[from..), not reaching left of `from`; false if none.
  bool find(std::string_view text, size_t from, Match& m) const;

 private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> next;  // byte -> node index
    int32_t token = -1;                             // index into tokens_ when a token ends here
  };
  int32_t child(int32_t node, uint8_t b) const;
  std::vector<Node> nodes_{Node{}};
  std::vector<AddedToken> tokens_;
  bool first_byte_[256] = {};
};

}  // namespace r1
