#include "model/tokenizer.h"

#include "core/error.h"
#include "core/file_checksums.h"
#include "core/fs.h"
#include "model/bpe_tokenizer.h"
#include "model/byte_tokenizer.h"

namespace r1 {

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  // Checked against the folder's checksums.json where it lists them (checkpoint.h).
  for (const char* f : kTokenizerFiles) {
    const std::string path = join_path(dir, f);
    if (file_exists(path)) verify_listed_file_checksum(path, read_file(path));
  }
  std::string byte_path = join_path(dir, ByteTokenizer::kFileName);
  if (file_exists(byte_path)) {
    return std::make_unique<ByteTokenizer>(ByteTokenizer::from_json(load_json_file(byte_path), byte_path));
  }
  if (file_exists(join_path(dir, BpeTokenizer::kFileName))) return BpeTokenizer::load(dir);
  fail(dir, ": no tokenizer found (expected ", ByteTokenizer::kFileName, " or ", BpeTokenizer::kFileName, ")");
}

bool ends_on_end_token(const Tokenizer& tok, const std::vector<int32_t>& ids, int32_t end_of_turn) {
  if (ids.empty() || ids.back() < 0) return false;
  return ids.back() == tok.eos_id() || ids.back() == end_of_turn;
}

std::string decode_completion(const Tokenizer& tok, const std::vector<int32_t>& ids,
                              int32_t end_of_turn) {
  if (ends_on_end_token(tok, ids, end_of_turn))
    return tok.decode(std::vector<int32_t>(ids.begin(), ids.end() - 1));
  return tok.decode(ids);
}

}  // namespace r1
