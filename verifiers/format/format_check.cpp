#include "verifiers/format/format_check.h"

#include <re2/re2.h>

namespace r1 {

FormatSpec FormatSpec::from_options(const json& options, const std::string& where) {
  JsonReader r(options, where);
  FormatSpec s;
  s.tags = TagNames::from_options(r);
  s.pattern = r.get<std::string>("pattern", "");
  s.allow_empty_answer = r.get<bool>("allow_empty_answer", false);
  s.allow_empty_think = r.get<bool>("allow_empty_think", false);
  r.done();
  return s;
}

FormatChecker::FormatChecker(FormatSpec spec) : spec_(std::move(spec)) {
  std::string pattern = spec_.pattern;
  custom_pattern_ = !pattern.empty();
  if (!custom_pattern_) {
    const TagNames& t = spec_.tags;
    pattern = "\\s*" + RE2::QuoteMeta(t.open(t.think)) + ".*" + RE2::QuoteMeta(t.close(t.think)) +
              "\\s*" + RE2::QuoteMeta(t.open(t.answer)) + ".*" + RE2::QuoteMeta(t.close(t.answer)) +
              "\\s*";
  }
  RE2::Options opt;
  opt.set_dot_nl(true);
  // Completions may hold any bytes: match byte-wise (Latin-1), so invalid UTF-8 cannot make
  // '.' fail. Literal UTF-8 text in a pattern still matches the same bytes.
  opt.set_encoding(RE2::Options::EncodingLatin1);
  opt.set_log_errors(false);
  re_ = std::make_unique<RE2>(pattern, opt);
  if (!re_->ok()) fail("format pattern '", pattern, "': ", re_->error());
}

FormatChecker::~FormatChecker() = default;

const FormatChecker& FormatChecker::standard() {
  static const FormatChecker checker{FormatSpec{}};
  return checker;
}

FormatResult FormatChecker::check(std::string_view c) const {
  FormatResult r;
  const TagNames& t = spec_.tags;
  const std::string to = t.open(t.think), tc = t.close(t.think);
  const std::string ao = t.open(t.answer), ac = t.close(t.answer);
  size_t n_to = count_occurrences(c, to), n_tc = count_occurrences(c, tc);
  size_t n_ao = count_occurrences(c, ao), n_ac = count_occurrences(c, ac);
  auto counts = [&] { return json{{to, n_to}, {tc, n_tc}, {ao, n_ao}, {ac, n_ac}}; };
  if (n_to == 0 || n_tc == 0) {
    r.reason = "missing_think";
    r.details["tag_counts"] = counts();
    return r;
  }
  if (n_ao == 0 || n_ac == 0) {
    r.reason = "missing_answer";
    r.details["tag_counts"] = counts();
    return r;
  }
  if (n_to > 1 || n_tc > 1 || n_ao > 1 || n_ac > 1) {
    r.reason = "duplicate_tags";
    r.details["tag_counts"] = counts();
    return r;
  }
  size_t p_to = find_text(c, to), p_tc = find_text(c, tc), p_ao = find_text(c, ao),
         p_ac = find_text(c, ac);
  if (!(p_to < p_tc && p_tc < p_ao && p_ao < p_ac)) {
    r.reason = "wrong_order";
    return r;
  }
  std::string_view think = c.substr(p_to + to.size(), p_tc - p_to - to.size());
  if (!spec_.allow_empty_think && (blank(think) || !has_letter_or_digit(think))) {
    r.reason = "empty_think";
    return r;
  }
  std::string_view answer = c.substr(p_ao + ao.size(), p_ac - p_ao - ao.size());
  if (!spec_.allow_empty_answer && blank(answer)) {
    r.reason = "empty_answer";
    return r;
  }
  if (!RE2::FullMatch(re2::StringPiece(c.data(), c.size()), *re_)) {
    if (custom_pattern_) {
      r.reason = "pattern_mismatch";
    } else if (!trim(c.substr(0, p_to)).empty()) {
      r.reason = "text_before_think";
    } else if (!trim(c.substr(p_ac + ac.size())).empty()) {
      r.reason = "text_after_answer";
      r.details["after"] = snippet(trim(c.substr(p_ac + ac.size())), 80);
    } else {
      r.reason = "text_between_think_and_answer";
    }
    return r;
  }
  r.ok = true;
  r.reason = "ok";
  return r;
}

}  // namespace r1
