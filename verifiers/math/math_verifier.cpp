#include "verifiers/math/math_verifier.h"

#include "verifiers/format/format_check.h"
#include "verifiers/math/compare.h"
#include "verifiers/math/extract.h"
#include "verifiers/math/normalize.h"
#include "verifiers/math/value.h"

namespace r1 {

namespace {

class MathVerifier : public Verifier {
 public:
  MathVerifier(TagNames tags, CompareOptions compare, Fallback fallback)
      : tags_(std::move(tags)),
        compare_(compare),
        fallback_(fallback),
        format_(FormatSpec{tags_, "", false}) {}

  std::string name() const override { return "math"; }

  Verdict verify(const Task& task, const std::string& completion) override {
    Verdict v;
    v.format_ok = format_.check(completion).ok;

    std::string gold = normalize_answer(task.answer);
    if (trim(gold).empty()) return gold_error(v, task, "empty gold answer");

    ExtractedAnswer ex = extract_answer(completion, tags_, fallback_);
    v.details["source"] = answer_source_name(ex.source);
    if (ex.source == AnswerSource::None || trim(ex.text).empty()) {
      v.reason = "no_answer";
      return v;
    }
    if (ex.text.size() > kMaxAnswerLength) {
      v.reason = "answer_too_long";
      v.details["extracted"] = snippet(ex.text, 100);
      return v;
    }
    std::string pred = normalize_answer(ex.text);
    v.details["extracted"] = snippet(ex.text);
    v.details["normalized"] = snippet(pred);
    v.details["gold"] = snippet(gold);

    // Identical spellings need no parsing (and settle answers no parser understands).
    std::string method = "string";
    ValueParse g;
    if (text_key(gold) != text_key(pred)) {
      g = parse_math_value(gold);
      if (!g.value) return gold_error(v, task, g.error);
      ValueParse p = parse_math_value(pred);
      // An <answer> block that holds a sentence around a single number ("She makes $18.") is
      // judged by that number. Anything more (a second number, math, "not", "or", "million")
      // keeps it a sentence, so neither hedging nor a digit inside a word pays.
      bool sentence = p.value && p.value->kind == ValueKind::Text;
      if (sentence && ex.source == AnswerSource::AnswerTag) {
        if (auto num = number_in_prose(ex.text)) {
          std::string alt = normalize_answer(*num);
          ValueParse q = parse_math_value(alt);
          if (q.value) {
            p = std::move(q);
            v.details["normalized"] = snippet(alt);
            v.details["source"] = "answer_tag_number";
          }
        }
      }
      if (!p.value) {
        v.reason = "answer_unparseable";
        v.details["parse_error"] = valid_utf8(p.error);
        return v;
      }
      CompareResult c = compare_values(*g.value, *p.value, compare_);
      method = c.method;
      v.details["method"] = method;
      if (!c.equal) {
        v.reason = "wrong_answer";
        return v;
      }
    }
    // The region stated other answers too ("\boxed{2} or \boxed{3}"): each must be right.
    if (ex.others.size() > kMaxOtherAnswers) {
      v.reason = "conflicting_answers";
      v.details["conflicting"] = "more than " + std::to_string(kMaxOtherAnswers) + " other answers";
      return v;
    }
    for (const std::string& other : ex.others) {
      if (!states_gold(other, gold, g)) {
        v.reason = "conflicting_answers";
        v.details["conflicting"] = snippet(other);
        return v;
      }
    }
    return correct(v, method);
  }

 private:
  // Whether `answer` (raw) states the gold; `g` is the parsed gold, or empty when the gold
  // was settled by its spelling alone.
  bool states_gold(const std::string& answer, const std::string& gold, ValueParse& g) const {
    std::string a = normalize_answer(answer);
    if (text_key(a) == text_key(gold)) return true;
    if (!g.value) g = parse_math_value(gold);
    ValueParse p = parse_math_value(a);
    return g.value && p.value && compare_values(*g.value, *p.value, compare_).equal;
  }

  static Verdict correct(Verdict& v, const std::string& method) {
    v.correct = true;
    v.score = 1.0;
    v.reason = "ok";
    v.details["method"] = method;
    return v;
  }

  static Verdict gold_error(Verdict& v, const Task& task, const std::string& why) {
    v.verifier_error = true;
    v.reason = "gold_unparseable";
    v.details["gold"] = snippet(task.answer);
    v.details["error"] = valid_utf8(why);
    if (!task.id.empty()) v.details["task_id"] = valid_utf8(task.id);
    return v;
  }

  TagNames tags_;
  CompareOptions compare_;
  Fallback fallback_;
  FormatChecker format_;
};

}  // namespace

std::unique_ptr<Verifier> make_math_verifier(const json& options) {
  JsonReader r(options, "math verifier options");
  TagNames tags = TagNames::from_options(r);
  CompareOptions c;
  c.decimal_rel_tol = r.get<double>("decimal_rel_tol", c.decimal_rel_tol);
  c.numeric_rel_tol = r.get<double>("numeric_rel_tol", c.numeric_rel_tol);
  r.check(c.decimal_rel_tol >= 0 && c.decimal_rel_tol < 1, "decimal_rel_tol", "must be in [0, 1)");
  r.check(c.numeric_rel_tol >= 0 && c.numeric_rel_tol < 1, "numeric_rel_tol", "must be in [0, 1)");
  Fallback fb =
      parse_fallback(r.get<std::string>("fallback", "untagged"), r.where() + ": field 'fallback'");
  r.done();
  return std::make_unique<MathVerifier>(std::move(tags), c, fb);
}

}  // namespace r1
