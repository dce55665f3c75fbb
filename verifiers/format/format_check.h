// The output-format check: exactly one <think>…</think> followed by exactly one
// <answer>…</answer>, with nothing but whitespace around them. The structure is an re2
// pattern (configurable); since re2 has no lookahead, "exactly one" is checked by counting the
// tags first. Other verifiers use FormatChecker::standard() for their format_ok flag.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "core/json.h"
#include "verifiers/completion.h"

namespace re2 {
class RE2;
}

namespace r1 {

struct FormatSpec {
  TagNames tags;
  // Full-match re2 pattern over the whole completion ("." matches newlines). Empty means the
  // standard one built from the tag names.
  std::string pattern;
  bool allow_empty_answer = false;  // "<answer> </answer>" passes only when true
  // "<think> </think>" (or a think block with no letter or digit, "<think>.</think>") passes
  // only when true: a format bonus for skipping the reasoning would teach a policy to skip it.
  bool allow_empty_think = false;

  // Options: {"think_tag", "answer_tag", "pattern", "allow_empty_answer", "allow_empty_think"}.
  static FormatSpec from_options(const json& options, const std::string& where);
};

struct FormatResult {
  bool ok = false;
  std::string reason;  // "ok", "missing_think", "missing_answer", "duplicate_tags", ...
  json details = json::object();
};

class FormatChecker {
 public:
  // Throws naming the pattern when re2 rejects it.
  explicit FormatChecker(FormatSpec spec);
  ~FormatChecker();
  FormatResult check(std::string_view completion) const;
  const FormatSpec& spec() const { return spec_; }

  // The default format; built once, shared by all threads (re2 matching is thread-safe).
  static const FormatChecker& standard();

 private:
  FormatSpec spec_;
  bool custom_pattern_ = false;
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace r1
