#include "serve/text_stream.h"

#include <algorithm>

namespace r1 {

TextStream::TextStream(const Tokenizer& tok, std::vector<std::string> stop_strings,
                       std::vector<int32_t> stop_tokens)
    : tok_(tok), stops_(std::move(stop_strings)), stop_tokens_(std::move(stop_tokens)) {}

size_t TextStream::complete_utf8_prefix(const std::string& s) {
  // Walk back over at most 3 continuation bytes to the lead byte of the last character.
  size_t n = s.size();
  size_t i = n;
  int cont = 0;
  while (i > 0 && cont < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) {
    --i;
    ++cont;
  }
  if (i == 0) return n;  // only continuation bytes: invalid either way, nothing to wait for
  const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  int need = 0;
  if (lead >= 0xF0 && lead < 0xF8)
    need = 3;
  else if (lead >= 0xE0)
    need = 2;
  else if (lead >= 0xC0)
    need = 1;
  if (lead >= 0xF8) need = 0;  // not a lead byte: invalid, not incomplete
  return need > cont ? i - 1 : n;
}

size_t TextStream::first_stop() const {
  // Nothing sent holds a stop string or ends in the start of one: search from there.
  size_t first = std::string::npos;
  for (const auto& s : stops_) {
    if (!s.empty()) first = std::min(first, text_.find(s, sent_.size()));
  }
  return first;
}

std::string TextStream::push(int32_t token) {
  if (std::find(stop_tokens_.begin(), stop_tokens_.end(), token) != stop_tokens_.end()) return "";
  text_ += tok_.token_text(token);
  size_t safe = complete_utf8_prefix(text_);
  // A stop string already complete (the engine ends the completion at this token): the text
  // ends before it, whatever else the token carried.
  const size_t cut = first_stop();
  if (cut != std::string::npos) safe = std::min(safe, cut);
  // Hold back the longest tail that is a proper prefix of a stop string (or the stop string
  // itself: the engine ends the completion on it, and finish() drops it).
  size_t hold = 0;
  for (const auto& s : stops_) {
    // Held text never starts before what was sent, so only unsent text can be a stop's start.
    for (size_t k = std::min(s.size(), safe - std::min(safe, sent_.size())); k > hold; --k) {
      if (text_.compare(safe - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  safe -= std::min(hold, safe);
  if (safe <= sent_.size()) return "";
  std::string piece = text_.substr(sent_.size(), safe - sent_.size());
  sent_ += piece;
  return piece;
}

std::string TextStream::finish(const std::string& finish_reason) {
  size_t end = text_.size();
  if (finish_reason == "stop") end = std::min(end, first_stop());
  if (end <= sent_.size()) return "";
  std::string piece = text_.substr(sent_.size(), end - sent_.size());
  sent_ += piece;
  return piece;
}

}  // namespace r1
