#include "model/tokenizer.h"

#include "core/error.h"
#include "core/fs.h"
#include "model/bpe_tokenizer.h"
#include "model/byte_tokenizer.h"

namespace r1 {

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  std::string byte_path = join_path(dir, ByteTokenizer::kFileName);
  if (file_exists(byte_path)) {
    return std::make_unique<ByteTokenizer>(ByteTokenizer::from_json(load_json_file(byte_path), byte_path));
  }
  if (file_exists(join_path(dir, BpeTokenizer::kFileName))) return BpeTokenizer::load(dir);
  fail(dir, ": no tokenizer found (expected ", ByteTokenizer::kFileName, " or ", BpeTokenizer::kFileName, ")");
}

}  // namespace r1
