// The text of a completion as it streams: token ids in, pieces of text out that are safe to send
// now. A piece never ends inside a UTF-8 character (a byte-level token may carry part of one),
// and never ends with text that could still grow into a stop string (OpenAI's servers leave the
// stop string out of the text). Stop tokens (end of text, end of turn) are not text either.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/tokenizer.h"

namespace r1 {

class TextStream {
 public:
  TextStream(const Tokenizer& tok, std::vector<std::string> stop_strings,
             std::vector<int32_t> stop_tokens);
  // The text that became safe with this token ("" while it is held back).
  std::string push(int32_t token);
  // At the end: the rest, up to the stop string that ended the completion (finish "stop"; text
  // after it in the same token is dropped too, as OpenAI's servers do).
  std::string finish(const std::string& finish_reason);
  // Everything sent so far (push and finish pieces together).
  const std::string& sent() const { return sent_; }

  // The bytes of `s` up to its last complete UTF-8 character (an incomplete tail held back).
  static size_t complete_utf8_prefix(const std::string& s);

 private:
  size_t first_stop() const;  // where the first complete stop string in unsent text starts, or npos
  const Tokenizer& tok_;
  std::vector<std::string> stops_;
  std::vector<int32_t> stop_tokens_;
  std::string text_;  // every non-stop token's bytes
  std::string sent_;
};

}  // namespace r1
