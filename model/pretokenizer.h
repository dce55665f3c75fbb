// The "pre_tokenizer" of a Hugging Face tokenizer.json, for byte-level BPE: a Sequence of Split
// steps (known regexes, behavior Isolated) ending in ByteLevel without its own regex. Each Split
// cuts every piece of the step before it; BPE then runs on each final piece separately.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "model/split_patterns.h"

namespace r1 {

class PreTokenizer {
 public:
  // `where` names the file in errors; an unsupported step is an error naming it.
  static PreTokenizer from_json(const json& j, const std::string& where);
  // Cuts t's code points [0, n) into pieces: `cuts` gets every piece end, in order (the last
  // one is n). Empty text gives no pieces.
  void split(const ScanText& t, std::vector<uint32_t>& cuts, std::vector<uint32_t>& scratch) const;
  bool byte_level() const { return byte_level_; }

 private:
  std::vector<PatternMatcher> splits_;
  bool byte_level_ = false;
};

}  // namespace r1
