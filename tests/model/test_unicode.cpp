// Unicode classes, UTF-8 handling and NFC (model/unicode.h, model/unicode_nfc.h).
#include <gtest/gtest.h>

#include "model/unicode.h"
#include "model/unicode_nfc.h"

namespace r1 {
namespace {

TEST(Unicode, Classes) {
  EXPECT_TRUE(is_letter('a'));
  EXPECT_TRUE(is_letter(0x4E2D));  // 中
  EXPECT_TRUE(is_letter(0x00E9));  // é
  EXPECT_FALSE(is_letter('1'));
  EXPECT_TRUE(is_number('7'));
  EXPECT_TRUE(is_number(0x00BD));  // ½ (No)
  EXPECT_TRUE(is_number(0x0661));  // Arabic-Indic one (Nd)
  EXPECT_TRUE(unicode_flags(0x0301) & kUniMark);
  EXPECT_TRUE(unicode_flags('!') & kUniPunct);
  EXPECT_TRUE(unicode_flags('$') & kUniSymbol);
  EXPECT_TRUE(unicode_flags(0x1F916) & kUniSymbol);  // 🤖
  // \s as Oniguruma has it: controls 9-13 and U+0085, and the Z categories; not U+200B (Cf)
  // nor U+001F (Cc).
  for (uint32_t cp : {0x09u, 0x0Au, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x2009u, 0x2028u, 0x3000u}) {
    EXPECT_TRUE(is_space(cp)) << std::hex << cp;
  }
  for (uint32_t cp : {0x1Fu, 0x200Bu, 0xFEFFu, 0x61u}) EXPECT_FALSE(is_space(cp)) << std::hex << cp;
  EXPECT_EQ(unicode_flags(0x10FFFF), 0);
  EXPECT_EQ(unicode_flags(0x110000), 0);
}

TEST(Unicode, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xf0\x9f\xa4\x96"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
}

// Each maximal ill-formed subsequence becomes one U+FFFD, as Python's "replace" decoding does.
TEST(Unicode, SanitizeReplacesMaximalSubparts) {
  const std::string R = "\xef\xbf\xbd";
  EXPECT_EQ(sanitize_utf8("ok"), "ok");
  EXPECT_EQ(sanitize_utf8("a\xe2\x82z"), "a" + R + "z");  // truncated 3-byte: one
  EXPECT_EQ(sanitize_utf8("\xe0\x80"), R + R);            // E0 needs A0..BF next
  EXPECT_EQ(sanitize_utf8("\xed\xa0\x80"), R + R + R);    // surrogate: three
  EXPECT_EQ(sanitize_utf8("\xf0\x9f\xa4"), R);            // truncated 4-byte: one
  EXPECT_EQ(sanitize_utf8("\xff\xfe"), R + R);
  EXPECT_EQ(sanitize_utf8("\xf0\x9f\xa4\x96"), "\xf0\x9f\xa4\x96");  // valid stays
}

TEST(Unicode, DecodeOffsets) {
  std::vector<uint32_t> cps, off;
  decode_utf8("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\xa4\x96", cps, off);
  EXPECT_EQ(cps, (std::vector<uint32_t>{'a', 0xE9, 0x4E2D, 0x1F916}));
  EXPECT_EQ(off, (std::vector<uint32_t>{0, 1, 3, 6, 10}));
}

TEST(Nfc, ComposesDecomposedInput) {
  EXPECT_EQ(nfc("cafe\xcc\x81"), "caf\xc3\xa9");  // e + U+0301 -> é
  EXPECT_EQ(nfc("caf\xc3\xa9"), "caf\xc3\xa9");   // already composed
  EXPECT_EQ(nfc("A\xcc\x8a"), "\xc3\x85");        // A + ring -> Å
  EXPECT_EQ(nfc("\xe2\x84\xab"), "\xc3\x85");     // U+212B ANGSTROM SIGN (singleton)
  EXPECT_EQ(nfc("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"), "\xea\xb0\x81");  // Hangul L V T -> 각
  EXPECT_EQ(nfc("\xea\xb0\x80\xe1\x86\xa8"), "\xea\xb0\x81");              // LV + T -> LVT
  EXPECT_EQ(nfc("plain ascii"), "plain ascii");
  EXPECT_EQ(nfc(""), "");
}

TEST(Nfc, ReordersMarksByCombiningClass) {
  // a + acute (230) + grave-below (220): reordered to below-first, then a + acute composes.
  EXPECT_EQ(nfc("a\xcc\x81\xcc\x96"), "\xc3\xa1\xcc\x96");
  // A composition exclusion stays decomposed: U+0958 DEVANAGARI QA -> KA + NUKTA.
  EXPECT_EQ(nfc("\xe0\xa5\x98"), "\xe0\xa4\x95\xe0\xa4\xbc");
  // Only the stretch around the marks changes; the text around it is kept byte for byte.
  EXPECT_EQ(nfc("xyz e\xcc\x81 \xe4\xb8\xad abc"), "xyz \xc3\xa9 \xe4\xb8\xad abc");
}

// HF tokenizers' NFC carries Unicode 9.0 data, and BpeTokenizer matches it: U+1AC0 (a mark added
// in Unicode 14) has combining class 0 there, so it is not reordered before U+1D242 (class 230).
TEST(Nfc, UsesTheReferenceNormalizationData) {
  EXPECT_STREQ(unicode_normalization_version(), "9.0.0");
  EXPECT_EQ(nfc("\xf0\x9d\x89\x82\xe1\xab\x80"), "\xf0\x9d\x89\x82\xe1\xab\x80");
}

}  // namespace
}  // namespace r1
