#include "model/unicode_nfc.h"

#include <algorithm>
#include <unordered_map>

#include "model/unicode.h"
#include "model/unicode_tables.h"

namespace r1 {

namespace {

// Hangul syllables are composed arithmetically (Unicode 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

struct NfcData {
  std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> decomp;  // cp -> (a, b or 0)
  std::unordered_map<uint64_t, uint32_t> compose;                      // (a << 21 | b) -> cp
  NfcData() {
    using namespace unicode_tables;
    for (size_t i = 0; i < kDecompositionCount; ++i) {
      const Decomposition& d = kDecompositions[i];
      decomp[d.cp] = {d.a, d.b};
      if (d.composes) compose[(static_cast<uint64_t>(d.a) << 21) | d.b] = d.cp;
    }
  }
};

const NfcData& nfc_data() {
  static const NfcData d;
  return d;
}

uint8_t ccc(uint32_t cp) {
  using namespace unicode_tables;
  const CccRun* end = kCccRuns + kCccRunCount;
  const CccRun* it =
      std::upper_bound(kCccRuns, end, cp, [](uint32_t c, const CccRun& r) { return c < r.first; });
  if (it == kCccRuns) return 0;
  --it;
  return cp <= it->last ? it->ccc : 0;
}

void decompose(uint32_t cp, const NfcData& d, std::vector<uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  auto it = d.decomp.find(cp);
  if (it == d.decomp.end()) {
    out.push_back(cp);
    return;
  }
  decompose(it->second.first, d, out);
  if (it->second.second) decompose(it->second.second, d, out);
}

// The primary composite of a + b, or 0.
uint32_t compose_pair(uint32_t a, uint32_t b, const NfcData& d) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  auto it = d.compose.find((static_cast<uint64_t>(a) << 21) | b);
  return it == d.compose.end() ? 0 : it->second;
}

}  // namespace

std::vector<uint32_t> nfc_check_code_points() {
  using namespace unicode_tables;
  std::vector<uint32_t> out;
  for (size_t r = 0; r < kCccRunCount; ++r) {
    for (uint32_t cp = kCccRuns[r].first; cp <= kCccRuns[r].last; ++cp) out.push_back(cp);
  }
  for (size_t i = 0; i < kDecompositionCount; ++i) {
    const Decomposition& d = kDecompositions[i];
    if (!d.composes) out.push_back(d.cp);  // a singleton or excluded: NFC replaces it
    if (d.composes) out.push_back(d.b);    // may compose with what precedes it
  }
  for (uint32_t v = kVBase; v < kVBase + kVCount; ++v) out.push_back(v);
  for (uint32_t t = kTBase + 1; t < kTBase + kTCount; ++t) out.push_back(t);
  return out;
}

namespace {
// NFC of whole code point sequence `cps` (the slow path), appended to `out` as UTF-8.
void nfc_chunk(const uint32_t* cps, size_t n, std::string& out) {
  const NfcData& d = nfc_data();
  std::vector<uint32_t> nfd;
  nfd.reserve(n + 8);
  for (size_t i = 0; i < n; ++i) decompose(cps[i], d, nfd);
  // Canonical ordering: a stable sort by combining class within each run of non-starters.
  for (size_t i = 0; i < nfd.size();) {
    if (ccc(nfd[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < nfd.size() && ccc(nfd[j]) != 0) ++j;
    std::stable_sort(nfd.begin() + i, nfd.begin() + j,
                     [](uint32_t a, uint32_t b) { return ccc(a) < ccc(b); });
    i = j;
  }
  // Canonical composition: a character joins the last starter unless blocked, that is unless
  // something between them has a combining class of 0 or >= its own.
  std::vector<uint32_t> comp;
  comp.reserve(nfd.size());
  long starter = -1;
  uint8_t prev_ccc = 0;
  for (uint32_t cp : nfd) {
    uint8_t c = ccc(cp);
    if (starter >= 0 &&
        (prev_ccc == 0 ? comp.size() == static_cast<size_t>(starter) + 1 : prev_ccc < c)) {
      if (uint32_t x = compose_pair(comp[starter], cp, d)) {
        comp[starter] = x;
        continue;
      }
    }
    if (c == 0) starter = static_cast<long>(comp.size());
    prev_ccc = c;
    comp.push_back(cp);
  }
  for (uint32_t cp : comp) append_utf8(cp, out);
}
}  // namespace

std::string nfc(std::string_view utf8) {
  std::vector<uint32_t> cps, offsets;
  decode_utf8(utf8, cps, offsets);
  // A code point without kUniNfcCheck is a starter that nothing before it can compose with or
  // reorder across, so NFC(a + b) == NFC(a) + NFC(b) when b starts with one. Only each run of
  // flagged code points, with the starter just before it, needs the full algorithm.
  std::string out;
  size_t copied = 0;  // code points [0, copied) are in `out`
  const size_t n = cps.size();
  for (size_t i = 0; i < n;) {
    if (!(unicode_flags(cps[i]) & kUniNfcCheck)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && (unicode_flags(cps[j]) & kUniNfcCheck)) ++j;
    size_t begin = i > 0 ? i - 1 : 0;
    if (out.empty() && copied == 0) out.reserve(utf8.size() + 8);
    out.append(utf8.substr(offsets[copied], offsets[begin] - offsets[copied]));
    nfc_chunk(cps.data() + begin, j - begin, out);
    copied = j;
    i = j;
  }
  if (copied == 0) return std::string(utf8);
  out.append(utf8.substr(offsets[copied]));
  return out;
}

}  // namespace r1
