// The tokenizer interface shared by ByteTokenizer (models trained here) and the Hugging Face BPE
// tokenizer. Special tokens such as <think> are matched in the text before anything else.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int32_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  virtual int vocab_size() const = 0;
  // Id of a special token by its text ("<think>", "<|endoftext|>"), or -1.
  virtual int32_t special_id(const std::string& text) const = 0;
  // The text of one token (for streaming output).
  virtual std::string token_text(int32_t id) const = 0;
  // Writes the tokenizer's files into a checkpoint folder.
  virtual void save(const std::string& dir) const = 0;
  // The end-of-sequence token.
  virtual int32_t eos_id() const = 0;
};

// A completion's text as verifiers judge it and people read it: the tokens decoded, less an
// end-of-sequence token or the chat template's end-of-turn token (end_of_turn, -1 for none:
// end_of_turn_token, model/chat_template.h) that ends them. The token stays in the sample,
// whose log-prob of stopping the learner trains; its text ("<|endoftext|>") was read as part of
// the answer, so "<answer>18<|endoftext|>" was not 18.
std::string decode_completion(const Tokenizer& tok, const std::vector<int32_t>& ids,
                              int32_t end_of_turn);
// Whether the last of `ids` is such a token, one without text in decode_completion.
bool ends_on_end_token(const Tokenizer& tok, const std::vector<int32_t>& ids, int32_t end_of_turn);

// Reads the tokenizer saved in a checkpoint folder: byte_tokenizer.json (ByteTokenizer) or a
// Hugging Face tokenizer.json (+ tokenizer_config.json) (BpeTokenizer).
// The files that hold a tokenizer's vocabulary (byte_tokenizer.json, or a BPE's tokenizer.json):
// save_checkpoint records their checksums, and load_tokenizer checks them where the folder's
// checksums.json lists them. tokenizer_config.json is left out: editing its chat template is
// a thing people do.
inline constexpr const char* kTokenizerFiles[] = {"byte_tokenizer.json", "tokenizer.json"};
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir);

}  // namespace r1
