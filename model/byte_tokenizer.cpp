#include "model/byte_tokenizer.h"

#include "core/error.h"
#include "core/fs.h"

namespace r1 {

const std::vector<std::string>& ByteTokenizer::default_specials() {
  static const std::vector<std::string> s = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>",
                                             "</think>",      "<answer>",     "</answer>",  "<|pad|>"};
  return s;
}

ByteTokenizer::ByteTokenizer(std::vector<std::string> specials) : specials_(std::move(specials)) {
  for (const auto& s : specials_) {
    if (s.empty()) fail("byte tokenizer: empty special token");
  }
}

ByteTokenizer ByteTokenizer::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  std::string type = r.req<std::string>("type");
  r.check(type == "byte", "type", cat("expected \"byte\", got \"", type, "\""));
  auto specials = r.req<std::vector<std::string>>("special_tokens");
  r.done();
  return ByteTokenizer(specials);
}

json ByteTokenizer::to_json() const { return {{"type", "byte"}, {"special_tokens", specials_}}; }

void ByteTokenizer::save(const std::string& dir) const {
  write_file_atomic(join_path(dir, kFileName), to_json().dump(2) + "\n");
}

std::vector<int32_t> ByteTokenizer::encode(const std::string& text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    int best = -1;
    size_t best_len = 0;
    if (text[i] == '<') {  // every special starts with '<'; check only there (fast path)
      for (size_t s = 0; s < specials_.size(); ++s) {
        const std::string& sp = specials_[s];
        if (sp.size() > best_len && text.compare(i, sp.size(), sp) == 0) {
          best = static_cast<int>(s);
          best_len = sp.size();
        }
      }
    }
    if (best >= 0) {
      ids.push_back(256 + best);
      i += best_len;
    } else {
      ids.push_back(static_cast<unsigned char>(text[i]));
      ++i;
    }
  }
  return ids;
}

std::vector<int32_t> ByteTokenizer::encode_bytes(const std::string& text) const {
  std::vector<int32_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  for (int32_t id : ids) out += token_text(id);
  return out;
}

std::string ByteTokenizer::token_text(int32_t id) const {
  if (id >= 0 && id < 256) return std::string(1, static_cast<char>(id));
  if (id >= 256 && id < vocab_size()) return specials_[id - 256];
  return "";  // ids outside the vocabulary decode to nothing rather than throwing mid-stream
}

int32_t ByteTokenizer::special_id(const std::string& text) const {
  for (size_t s = 0; s < specials_.size(); ++s) {
    if (specials_[s] == text) return 256 + static_cast<int32_t>(s);
  }
  return -1;
}

}  // namespace r1
