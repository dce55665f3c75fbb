// ByteTokenizer: ids 0..255 are the bytes themselves; then special tokens. Any byte string
// round-trips exactly: decode(encode(s)) == s (a special token decodes to its own text).
// Saved as byte_tokenizer.json in a checkpoint folder.
#pragma once
#include <string>
#include <vector>

#include "model/tokenizer.h"

namespace r1 {

class ByteTokenizer : public Tokenizer {
 public:
  // The default special tokens, in id order from 256.
  static const std::vector<std::string>& default_specials();
  explicit ByteTokenizer(std::vector<std::string> specials = default_specials());
  static ByteTokenizer from_json(const json& j, const std::string& where);
  static constexpr const char* kFileName = "byte_tokenizer.json";

  std::vector<int32_t> encode(const std::string& text) const override;
  // Encodes without recognising special tokens (every byte is a byte token).
  std::vector<int32_t> encode_bytes(const std::string& text) const;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int vocab_size() const override { return 256 + static_cast<int>(specials_.size()); }
  int32_t special_id(const std::string& text) const override;
  std::string token_text(int32_t id) const override;
  void save(const std::string& dir) const override;
  int32_t eos_id() const override { return special_id("<|endoftext|>"); }
  json to_json() const;

 private:
  std::vector<std::string> specials_;
};

}  // namespace r1
