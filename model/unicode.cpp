#include "model/unicode.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "model/unicode_nfc.h"
#include "model/unicode_tables.h"

namespace r1 {

namespace {

// Two-stage lookup: the top bits of a code point pick a 256-entry block, and identical blocks
// are stored once (most of the 0x1100 blocks are all-unassigned or all-one-script). This keeps
// the table at a few tens of KB, small enough to stay in cache while scanning text.
struct FlagTable {
  static constexpr uint32_t kBlock = 256;
  std::array<uint16_t, 0x110000 / kBlock> stage1{};
  std::vector<uint8_t> stage2;

  FlagTable() {
    std::vector<uint8_t> flat(0x110000, 0);
    using namespace unicode_tables;
    static constexpr uint8_t kClassFlag[7] = {0,         kUniLetter, kUniMark, kUniNumber,
                                              kUniPunct, kUniSymbol, kUniSpace};
    for (size_t r = 0; r < kCategoryRunCount; ++r) {
      uint32_t end = r + 1 < kCategoryRunCount ? kCategoryRuns[r + 1].first : 0x110000;
      std::fill(flat.begin() + kCategoryRuns[r].first, flat.begin() + end,
                kClassFlag[kCategoryRuns[r].cls]);
    }
    // Oniguruma's Unicode \s: the Z categories (set above) plus these controls.
    for (uint32_t cp : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x85u}) flat[cp] |= kUniSpace;
    for (uint32_t cp : nfc_check_code_points()) flat[cp] |= kUniNfcCheck;

    std::map<std::vector<uint8_t>, uint16_t> seen;
    for (uint32_t b = 0; b < stage1.size(); ++b) {
      std::vector<uint8_t> block(flat.begin() + b * kBlock, flat.begin() + (b + 1) * kBlock);
      auto [it, fresh] = seen.emplace(block, static_cast<uint16_t>(seen.size()));
      if (fresh) stage2.insert(stage2.end(), block.begin(), block.end());
      stage1[b] = it->second;
    }
  }
};

const FlagTable& flag_table() {
  static const FlagTable t;  // built once, thread-safe (magic static), read-only afterwards
  return t;
}

// The length of a well-formed sequence that starts with `lead`, and the range its second byte
// must be in (Unicode Table 3-7); 0 for a byte that cannot start one.
struct LeadInfo {
  int len;
  uint8_t lo, hi;
};
LeadInfo lead_info(uint8_t c) {
  if (c < 0x80) return {1, 0, 0};
  if (c < 0xC2) return {0, 0, 0};
  if (c < 0xE0) return {2, 0x80, 0xBF};
  if (c == 0xE0) return {3, 0xA0, 0xBF};
  if (c == 0xED) return {3, 0x80, 0x9F};
  if (c < 0xF0) return {3, 0x80, 0xBF};
  if (c == 0xF0) return {4, 0x90, 0xBF};
  if (c < 0xF4) return {4, 0x80, 0xBF};
  if (c == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Length of the well-formed sequence at s[i], or -(length of the maximal ill-formed subpart).
int sequence_length(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  LeadInfo li = lead_info(p[i]);
  if (li.len == 1) return 1;
  if (li.len == 0) return -1;
  size_t n = s.size() - i;
  if (n < 2 || p[i + 1] < li.lo || p[i + 1] > li.hi) return -1;
  for (int k = 2; k < li.len; ++k) {
    if (static_cast<size_t>(k) >= n || (p[i + k] & 0xC0) != 0x80) return -k;
  }
  return li.len;
}

}  // namespace

uint8_t unicode_flags(uint32_t cp) {
  if (cp >= 0x110000) return 0;
  const FlagTable& t = flag_table();
  return t.stage2[static_cast<size_t>(t.stage1[cp >> 8]) * FlagTable::kBlock + (cp & 0xFF)];
}

const char* unicode_version() {
  return unicode_tables::kUnicodeVersion;
}
const char* unicode_normalization_version() {
  return unicode_tables::kNormalizationUnicodeVersion;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {  // ASCII runs are the common case
      ++i;
      continue;
    }
    int n = sequence_length(s, i);
    if (n < 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s, std::vector<size_t>* out_at) {
  std::string out;
  out.reserve(s.size() + 8);
  if (out_at) out_at->assign(s.size() + 1, 0);
  size_t i = 0;
  while (i < s.size()) {
    int n = sequence_length(s, i);
    const size_t len = static_cast<size_t>(n > 0 ? n : -n);
    for (size_t j = 0; out_at && j < len; ++j) (*out_at)[i + j] = out.size() + (n > 0 ? j : 0);
    if (n > 0) {
      out.append(s.substr(i, len));
    } else {
      append_utf8(kReplacementChar, out);
    }
    i += len;
  }
  if (out_at) (*out_at)[s.size()] = out.size();
  return out;
}

void decode_utf8(std::string_view s, std::vector<uint32_t>& cps, std::vector<uint32_t>& offsets) {
  cps.clear();
  offsets.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    offsets.push_back(static_cast<uint32_t>(i));
    uint8_t c = p[i];
    if (c < 0x80) {
      cps.push_back(c);
      i += 1;
    } else if (c < 0xE0) {
      cps.push_back(((c & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu));
      i += 2;
    } else if (c < 0xF0) {
      cps.push_back(((c & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu));
      i += 3;
    } else {
      cps.push_back(((c & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) |
                    (p[i + 3] & 0x3Fu));
      i += 4;
    }
  }
  offsets.push_back(static_cast<uint32_t>(s.size()));
}

}  // namespace r1
