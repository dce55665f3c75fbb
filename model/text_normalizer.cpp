#include "model/text_normalizer.h"

#include "model/unicode_nfc.h"

namespace r1 {

namespace {
void read(const json& j, const std::string& where, bool& nfc) {
  if (j.is_null()) return;
  JsonReader r(j, where);
  std::string type = r.req<std::string>("type");
  if (type == "NFC") {
    nfc = true;  // NFC is idempotent, so NFC twice in a sequence is NFC once
  } else if (type == "Sequence") {
    const json& list = r.raw("normalizers");
    if (!list.is_array()) r.fail_field("normalizers", "expected an array");
    for (size_t i = 0; i < list.size(); ++i) read(list[i], cat(where, "[", i, "]"), nfc);
  } else {
    r.fail_field("type", cat("unsupported normalizer '", type, "' (supported: NFC, Sequence)"));
  }
  r.done();
}
}  // namespace

TextNormalizer TextNormalizer::from_json(const json& j, const std::string& where) {
  TextNormalizer n;
  read(j, where, n.nfc_);
  return n;
}

std::string TextNormalizer::apply(std::string_view utf8) const {
  return nfc_ ? nfc(utf8) : std::string(utf8);
}

}  // namespace r1
