#include "model/pretokenizer.h"

namespace r1 {

namespace {

void read_step(const json& j, const std::string& where, std::vector<PatternMatcher>& splits,
               bool& byte_level) {
  JsonReader r(j, where);
  std::string type = r.req<std::string>("type");
  if (byte_level) r.fail_field("type", "ByteLevel must be the last pre-tokenizer step");
  if (type == "Sequence") {
    const json& list = r.raw("pretokenizers");
    if (!list.is_array()) r.fail_field("pretokenizers", "expected an array");
    for (size_t i = 0; i < list.size(); ++i)
      read_step(list[i], cat(where, "[", i, "]"), splits, byte_level);
  } else if (type == "Split") {
    JsonReader pat = r.child("pattern", true);
    std::string regex;
    if (pat.has("Regex")) {
      regex = pat.req<std::string>("Regex");
    } else {
      pat.fail_field("String",
                     "literal String patterns are not supported (only the known Regex patterns)");
    }
    pat.done();
    std::string behavior = r.req<std::string>("behavior");
    r.check(behavior == "Isolated", "behavior",
            cat("unsupported Split behavior '", behavior, "' (supported: Isolated)"));
    r.check(!r.get<bool>("invert", false), "invert", "inverted Split is not supported");
    PatternMatcher m = find_split_pattern(regex);
    if (!m) {
      r.fail_field("pattern", cat("unsupported Split regex ", json(regex).dump(),
                                  " (known: ", known_split_patterns(), ")"));
    }
    splits.push_back(m);
  } else if (type == "ByteLevel") {
    r.check(!r.get<bool>("add_prefix_space", false), "add_prefix_space",
            "ByteLevel add_prefix_space is not supported");
    r.check(!r.get<bool>("use_regex", true), "use_regex",
            "ByteLevel with its own GPT-2 regex is not supported (only use_regex false after Split "
            "steps)");
    r.ignore({"trim_offsets"});  // offsets only
    byte_level = true;
  } else {
    r.fail_field("type", cat("unsupported pre-tokenizer '", type,
                             "' (supported: Sequence, Split, ByteLevel)"));
  }
  r.done();
}

}  // namespace

PreTokenizer PreTokenizer::from_json(const json& j, const std::string& where) {
  PreTokenizer p;
  if (!j.is_null()) read_step(j, where, p.splits_, p.byte_level_);
  return p;
}

void PreTokenizer::split(const ScanText& t, std::vector<uint32_t>& cuts,
                         std::vector<uint32_t>& scratch) const {
  cuts.clear();
  const uint32_t n = static_cast<uint32_t>(t.cp.size());
  if (n == 0) return;
  cuts.push_back(n);
  for (PatternMatcher match : splits_) {
    // Isolated: every match is a piece, and so is every run of text between matches.
    scratch.clear();
    uint32_t begin = 0;
    for (uint32_t end : cuts) {
      uint32_t gap = begin, pos = begin;
      while (pos < end) {
        size_t len = match(t, pos, end);
        if (len == 0) {
          ++pos;
          continue;
        }
        if (gap < pos) scratch.push_back(pos);
        pos += static_cast<uint32_t>(len);
        scratch.push_back(pos);
        gap = pos;
      }
      if (gap < end) scratch.push_back(end);
      begin = end;
    }
    cuts.swap(scratch);
  }
}

}  // namespace r1
