// BpeTokenizer: a Hugging Face byte-level BPE tokenizer read from a folder's tokenizer.json (and
// tokenizer_config.json for eos/bos), producing the same ids as the `tokenizers` library for the
// components it supports (Qwen2/Qwen3 and DeepSeek-V3 style files; see docs/tokenizers.md).
//
// encode(text):
//   1. ill-formed UTF-8 is first replaced, each maximal ill-formed subsequence by U+FFFD (the
//      reference only ever sees valid strings; this is what Python's "replace" decoding gives);
//   2. added tokens that are not `normalized` are matched in the raw text;
//   3. each stretch between them is normalized (NFC), then `normalized` added tokens are matched;
//   4. each remaining stretch is pre-tokenized (Split regexes) and each piece BPE-encoded.
// No BOS/EOS is added: chat templates put those in the text.
// decode(ids): each token's bytes, concatenated; ill-formed UTF-8 in the result (ids that cut
// a character) becomes U+FFFD as in HF's decode. token_text(id) gives the raw bytes, which
// concatenate correctly when streaming.
// encode() and decode() are safe to call from several threads at once.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/added_tokens.h"
#include "model/bpe_model.h"
#include "model/pretokenizer.h"
#include "model/text_normalizer.h"
#include "model/tokenizer.h"

namespace r1 {

class BpeTokenizer : public Tokenizer {
 public:
  static constexpr const char* kFileName = "tokenizer.json";
  static constexpr const char* kConfigFileName = "tokenizer_config.json";
  // Reads dir/tokenizer.json and, when present, dir/tokenizer_config.json.
  static std::unique_ptr<BpeTokenizer> load(const std::string& dir);
  // From file contents; `where` names the source in errors. config_text may be empty.
  static std::unique_ptr<BpeTokenizer> from_text(const std::string& tokenizer_text,
                                                 const std::string& config_text,
                                                 const std::string& where);

  std::vector<int32_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int vocab_size() const override { return vocab_size_; }
  // The id of an added token (special or not) by its content, or -1.
  int32_t special_id(const std::string& text) const override;
  std::string token_text(int32_t id) const override;
  // Writes tokenizer.json (and tokenizer_config.json) back byte for byte as they were read.
  void save(const std::string& dir) const override;
  // eos_token of tokenizer_config.json; -1 without one.
  int32_t eos_id() const override { return eos_id_; }
  // bos_token of tokenizer_config.json; -1 without one.
  int32_t bos_id() const { return bos_id_; }
  // The built-in chat template that matches tokenizer_config.json's Jinja chat_template
  // ("qwen", "deepseek"), or "" when there is none or it is not recognised.
  const std::string& chat_template_hint() const { return chat_hint_; }

 private:
  BpeTokenizer();
  void encode_normalized(std::string_view text, std::vector<int32_t>& out) const;
  void encode_plain(std::string_view text, std::vector<int32_t>& out) const;
  int32_t config_token_id(const json& cfg, const char* key, const std::string& where) const;

  std::string tokenizer_text_, config_text_;
  BpeModel model_;
  TextNormalizer normalizer_;
  PreTokenizer pretokenizer_;
  AddedTokenMatcher raw_added_, normalized_added_;
  std::unordered_map<std::string, int32_t> added_by_content_;
  std::vector<std::string> id_bytes_;  // (vocab_size) what each id decodes to
  int vocab_size_ = 0;
  int32_t eos_id_ = -1, bos_id_ = -1;
  std::string chat_hint_;
};

}  // namespace r1
