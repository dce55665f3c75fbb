// The "normalizer" of a Hugging Face tokenizer.json: null, NFC, or a Sequence of those.
#pragma once
#include <string>
#include <string_view>

#include "core/json.h"

namespace r1 {

class TextNormalizer {
 public:
  // `where` names the file in errors; an unsupported normalizer is an error naming its type.
  static TextNormalizer from_json(const json& j, const std::string& where);
  bool is_identity() const { return !nfc_; }
  std::string apply(std::string_view utf8) const;

 private:
  bool nfc_ = false;
};

}  // namespace r1
