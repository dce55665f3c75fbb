#include "model/bpe_model.h"

#include <algorithm>
#include <atomic>

#include "model/byte_level.h"

namespace r1 {

namespace {

// Pieces repeat a lot in real text (" the", "\n", "    "), and the merge loop costs far more
// than a hash lookup, so results for short pieces are kept: per thread (no locks), direct-mapped
// (bounded: a colliding piece replaces the old one), each entry tagged with its model's serial.
struct WordCache {
  static constexpr size_t kSlots = 8192, kMaxBytes = 32, kMaxIds = 14;
  struct Entry {
    uint64_t serial = 0;
    uint8_t len = 0, n_ids = 0;
    char bytes[kMaxBytes];
    int32_t ids[kMaxIds];
  };
  std::vector<Entry> slots{kSlots};
  static size_t slot(std::string_view s) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    return (h ^ (h >> 29)) & (kSlots - 1);
  }
};

WordCache& word_cache() {
  thread_local WordCache c;
  return c;
}

std::atomic<uint64_t> next_serial{1};

}  // namespace

void BpeModel::PairTable::reserve(size_t n) {
  size_t cap = 16;
  shift_ = 60;
  while (cap < n * 2) {
    cap <<= 1;
    --shift_;
  }
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
}

bool BpeModel::PairTable::insert(uint64_t key, Merge m) {
  for (size_t i = slot(key);; i = (i + 1) & mask_) {
    if (slots_[i].key == key) return false;
    if (slots_[i].key == kEmpty) {
      slots_[i] = {key, m};
      return true;
    }
  }
}

BpeModel::BpeModel() : serial_(next_serial++) {}
BpeModel::BpeModel(BpeModel&&) noexcept = default;
BpeModel& BpeModel::operator=(BpeModel&&) noexcept = default;
BpeModel::~BpeModel() = default;

BpeModel BpeModel::from_json(const json& model, const std::string& where) {
  JsonReader r(model, where);
  BpeModel m;
  std::string type = r.req<std::string>("type");
  r.check(type == "BPE", "type", cat("unsupported model type '", type, "' (supported: BPE)"));
  auto dropout = r.raw("dropout");
  r.check(dropout.is_null() || (dropout.is_number() && dropout.get<double>() == 0.0), "dropout",
          "BPE dropout is not supported");
  r.check(r.get<std::string>("continuing_subword_prefix", "").empty(), "continuing_subword_prefix",
          "not supported for byte-level BPE");
  r.check(r.get<std::string>("end_of_word_suffix", "").empty(), "end_of_word_suffix",
          "not supported for byte-level BPE");
  r.check(!r.get<bool>("byte_fallback", false), "byte_fallback",
          "not supported (byte-level BPE needs none)");
  m.ignore_merges_ = r.get<bool>("ignore_merges", false);
  // Every byte has a token in a byte-level vocabulary, so unk_token is never produced.
  r.ignore({"unk_token", "fuse_unk"});

  const json& vocab = r.raw("vocab");
  if (!vocab.is_object()) r.fail_field("vocab", "expected an object of token -> id");
  int32_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
        it.value().get<int64_t>() > INT32_MAX) {
      r.fail_field("vocab",
                   cat("token ", json(it.key()).dump(), ": id must be a non-negative integer"));
    }
    max_id = std::max(max_id, it.value().get<int32_t>());
  }
  m.tokens_.assign(max_id + 1, std::string());
  m.vocab_.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    int32_t id = it.value().get<int32_t>();
    m.vocab_[it.key()] = id;
    m.tokens_[id] = it.key();
    std::string raw;
    if (byte_level_decode(it.key(), raw)) m.raw_vocab_[raw] = id;
  }
  const auto& alphabet = byte_level_utf8();
  for (int b = 0; b < 256; ++b) {
    m.byte_ids_[b] = m.id_of(alphabet[b]);
    if (m.byte_ids_[b] < 0) {
      r.fail_field("vocab", cat("no token for byte ", b, " (", json(alphabet[b]).dump(),
                                "): not a byte-level BPE vocabulary"));
    }
  }

  const json& merges = r.raw("merges");
  if (!merges.is_array()) r.fail_field("merges", "expected an array");
  m.merges_.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const json& e = merges[i];
    std::string a, b;
    if (e.is_string()) {  // "a b" (older files)
      const std::string& s = e.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        r.fail_field("merges", cat("merge ", i, " ", e.dump(),
                                   ": expected two tokens separated by one space"));
      }
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() &&
               e[1].is_string()) {  // ["a", "b"]
      a = e[0].get<std::string>();
      b = e[1].get<std::string>();
    } else {
      r.fail_field("merges",
                   cat("merge ", i, " ", e.dump(), ": expected \"a b\" or [\"a\", \"b\"]"));
    }
    int32_t ia = m.id_of(a), ib = m.id_of(b), iab = m.id_of(a + b);
    if (ia < 0 || ib < 0 || iab < 0) {
      r.fail_field("merges", cat("merge ", i, " ", e.dump(), ": ",
                                 ia < 0   ? a
                                 : ib < 0 ? b
                                          : a + b,
                                 " is not in the vocabulary"));
    }
    // A pair listed twice keeps its first (best) rank.
    m.merges_.insert(pair_key(ia, ib), Merge{static_cast<int32_t>(i), iab});
  }
  r.done();
  return m;
}

int32_t BpeModel::id_of(const std::string& token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

void BpeModel::encode_piece(std::string_view bytes, std::vector<int32_t>& out) const {
  if (bytes.empty()) return;
  if (ignore_merges_) {
    auto it = raw_vocab_.find(std::string(bytes));
    if (it != raw_vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  if (bytes.size() == 1) {
    out.push_back(byte_ids_[static_cast<uint8_t>(bytes[0])]);
    return;
  }
  if (bytes.size() > WordCache::kMaxBytes) {
    merge_word(bytes, out);
    return;
  }
  WordCache::Entry& e = word_cache().slots[WordCache::slot(bytes)];
  if (e.serial == serial_ && e.len == bytes.size() &&
      std::equal(bytes.begin(), bytes.end(), e.bytes)) {
    out.insert(out.end(), e.ids, e.ids + e.n_ids);
    return;
  }
  size_t start = out.size();
  merge_word(bytes, out);
  if (out.size() - start <= WordCache::kMaxIds) {
    e.serial = serial_;
    e.len = static_cast<uint8_t>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), e.bytes);
    e.n_ids = static_cast<uint8_t>(out.size() - start);
    std::copy(out.begin() + start, out.end(), e.ids);
  }
}

void BpeModel::merge_word(std::string_view bytes, std::vector<int32_t>& out) const {
  // Symbols form a linked list; the heap holds candidate merges (rank, left position) and
  // stale entries are skipped when their symbols have changed since they were pushed.
  struct Symbol {
    int32_t id, prev, next;
  };
  struct Candidate {
    int32_t rank, pos, left, right, merged;
    // std::push_heap keeps the largest on top: "larger" here is the lower rank, then the
    // leftmost position, the order in which HF's BPE applies merges.
    bool operator<(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  thread_local std::vector<Symbol> sym;
  thread_local std::vector<Candidate> heap;
  const int32_t n = static_cast<int32_t>(bytes.size());
  sym.resize(n);
  heap.clear();
  for (int32_t i = 0; i < n; ++i)
    sym[i] = {byte_ids_[static_cast<uint8_t>(bytes[i])], i - 1, i + 1 < n ? i + 1 : -1};
  auto push = [&](int32_t l) {
    int32_t r = sym[l].next;
    if (r < 0) return;
    if (const Merge* m = merges_.find(pair_key(sym[l].id, sym[r].id))) {
      heap.push_back({m->rank, l, sym[l].id, sym[r].id, m->id});
      std::push_heap(heap.begin(), heap.end());
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    Candidate c = heap.back();
    heap.pop_back();
    Symbol& l = sym[c.pos];
    if (l.id != c.left || l.next < 0 || sym[l.next].id != c.right) continue;  // stale
    const int32_t r = l.next;
    l.id = c.merged;
    l.next = sym[r].next;
    if (l.next >= 0) sym[l.next].prev = c.pos;
    sym[r].id = -1;  // removed; no candidate can name it as left again
    if (l.prev >= 0) push(l.prev);
    push(c.pos);
  }
  for (int32_t i = 0; i >= 0; i = sym[i].next) out.push_back(sym[i].id);
}

}  // namespace r1
