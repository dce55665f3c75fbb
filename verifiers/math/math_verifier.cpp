#include "verifiers/math/math_verifier.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "core/ascii.h"
#include "verifiers/format/format_check.h"
#include "verifiers/math/answer_form.h"
#include "verifiers/math/compare.h"
#include "verifiers/math/extract.h"
#include "verifiers/math/normalize.h"
#include "verifiers/math/value.h"

namespace r1 {

namespace {

// A word of alternatives, a range or a hedge standing alone in a normalized answer ("0 or 1",
// "0 to 5", "0 or so") that the gold does not hold: the parser reads the words as variables,
// and a product with 0 in it equals a gold 0 (an audit, 2026-12-06). Any other gold is caught
// by the value ("17 or 18" is not 18), so only alternatives that multiply to the gold got
// through.
std::optional<std::string> alternatives_word(const std::string& pred, const std::string& gold) {
  const auto words = [](const std::string& s) {
    std::vector<std::string> out;
    any_ascii_word(s, [&](size_t i, size_t e) {
      if (i == 0 || s[i - 1] != '\\') {  // not a command
        std::string w = s.substr(i, e - i);
        for (char& c : w) c = ascii_lower(c);
        out.push_back(std::move(w));
      }
      return false;
    });
    return out;
  };
  const std::vector<std::string> in_gold = words(gold);
  for (const std::string& w : words(pred))
    for (const char* k : {"or", "to", "so", "nor", "either", "maybe", "perhaps", "vs", "versus",
                          "if", "else", "otherwise", "unless"})
      if (w == k && std::find(in_gold.begin(), in_gold.end(), w) == in_gold.end()) return w;
  return std::nullopt;
}

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

    // A gold answer given as a whole solution is reduced like an answer: its last box.
    std::string_view gold_raw = task.answer;
    if (auto box = last_boxed(gold_raw)) gold_raw = *box;
    Side gold(gold_raw);
    if (trim(gold.normalized).empty()) return gold_error(v, task, "empty gold answer");
    AnswerForm form = AnswerForm::Any;  // how the answer must be written (answer_form.h)
    try {
      form = answer_form_of(task);
    } catch (const Error& e) {
      return gold_error(v, task, e.what());
    }

    ExtractedAnswer ex = extract_answer(completion, tags_, fallback_);
    v.details["source"] = answer_source_name(ex.source);
    if (ex.source == AnswerSource::None || trim(ex.text).empty()) {
      v.reason = "no_answer";
      return v;
    }
    if (ex.text.size() > kMaxAnswerLength) {
      v.reason = "answer_too_long";
      v.details["extracted"] = snippet(ex.text, 100);
      v.details[kAnswerKey] = answer_key_of(ex.text);
      return v;
    }
    Side pred(ex.text);
    v.details["extracted"] = snippet(ex.text);
    v.details["normalized"] = snippet(pred.normalized);
    v.details["gold"] = snippet(gold.normalized);
    v.details[kAnswerKey] = valid_utf8(pred.normalized);

    // Identical spellings need no parsing (and settle answers no parser understands).
    std::string method = "string";
    if (spelling_key(gold.normalized) != spelling_key(pred.normalized)) {
      const ValueParse& g = gold.parsed();
      if (!g.value) return gold_error(v, task, g.error);
      // An <answer> block that holds a sentence around a single math span or a single number
      // ("Therefore $x \geq 5$.", "She makes $18.") is judged by it. Anything more (a second
      // number, "not", "or", "million") keeps it a sentence, so neither hedging nor a digit
      // inside a word pays.
      bool sentence = pred.parsed().value && pred.parsed().value->kind == ValueKind::Text;
      if (sentence && ex.source == AnswerSource::AnswerTag) {
        std::optional<std::string_view> inner = math_in_prose(ex.text);
        const char* source = "answer_tag_math";
        if (!inner) {
          inner = number_in_prose(ex.text);
          source = "answer_tag_number";
        }
        if (inner) {
          Side alt(*inner);
          if (alt.parsed().value) {
            pred = std::move(alt);
            v.details["normalized"] = snippet(pred.normalized);
            v.details[kAnswerKey] = valid_utf8(pred.normalized);
            v.details["source"] = source;
          }
        }
      }
      if (!pred.parsed().value) {
        v.reason = "answer_unparseable";
        v.details["parse_error"] = valid_utf8(pred.parsed().error);
        return v;
      }
      if (std::optional<std::string> w = alternatives_word(pred.normalized, gold.normalized)) {
        v.reason = "wrong_answer";
        v.details["method"] = "alternatives";
        v.details["word"] = *w;
        return v;
      }
      CompareResult c = judge(gold, pred);
      method = c.method;
      v.details["method"] = method;
      if (!c.equal) {
        v.reason = "wrong_answer";
        return v;
      }
    }
    // The right value, but the task wants it computed: a restated expression is not an answer
    // (answer_form.h).
    if (!written_in_form(pred.normalized, form)) {
      v.reason = "not_in_answer_form";
      v.details["answer_form"] = answer_form_name(form);
      return v;
    }
    // An equation answer with a letter alone on one side, against a gold equation in another
    // form: where the question gives that equation with the same letter alone ("Write
    // $y = 2x + 3$ in standard form."), the answer is the question's equation, however
    // reordered ("y = 3 + 2x", "3 + 2x = y", "{y} = 3 + 2x"; reviews).
    if (method.rfind("equation", 0) == 0 && pred.with_variable().value &&
        pred.with_variable().value->kind == ValueKind::Equation) {
      // A gold with the letter alone is in that form itself ("Write $y = x^2 - 4x + 7$ in vertex
      // form." takes "(x-2)^2 + 3 = y"; a review).
      const std::vector<std::string> in_gold = lone_letters(kept_form(gold.raw));
      for (const std::string& letter : lone_letters(kept_form(pred.raw))) {
        if (std::find(in_gold.begin(), in_gold.end(), letter) != in_gold.end()) continue;
        if (gives_equation(task.prompt, letter, *pred.with_variable().value)) {
          v.reason = "restates_question";
          return v;
        }
      }
    }
    // The value and the form, copied from the question ("Simplify $\sqrt{242}$." answered
    // "\sqrt{242}"): nothing was worked out (answer_form.h).
    auto equals_gold = [&](std::string_view span) {
      Side s(span);
      return s.parsed().value.has_value() && judge(gold, s).equal;
    };
    if (spelling_key(pred.normalized) != spelling_key(gold.normalized) &&
        restates_prompt(task.prompt, pred.normalized, gold.normalized, equals_gold)) {
      v.reason = "restates_question";
      return v;
    }
    // The region stated other answers too ("\boxed{2} or \boxed{3}"): each must be right.
    if (ex.others.size() > kMaxOtherAnswers) {
      v.reason = "conflicting_answers";
      v.details["conflicting"] = "more than " + std::to_string(kMaxOtherAnswers) + " other answers";
      return v;
    }
    for (const std::string& other : ex.others) {
      Side o(other);
      if (spelling_key(o.normalized) == spelling_key(gold.normalized)) continue;
      if (!gold.parsed().value || !o.parsed().value || !judge(gold, o).equal) {
        v.reason = "conflicting_answers";
        v.details["conflicting"] = snippet(other);
        return v;
      }
    }
    return correct(v, method);
  }

 private:
  // One side of a comparison: the raw text, its normal form, and its value, parsed on first
  // use. Percent and degree signs are dropped ("50\%" is 50, "30^\circ" is 30) and, where
  // the other side has none, also read as what they mean ("50\%" is 1/2, "30^\circ" is
  // pi/6), so "50\%" matches both 50 and 0.5, and "30^\circ" matches pi/6.
  struct Side {
    explicit Side(std::string_view text)
        : raw(text),
          normalized(normalize_answer(text)),
          has_percent(text.find('%') != std::string_view::npos),
          has_degree(find_text(text, "\\circ") != std::string_view::npos ||
                     find_text(text, "\\degree") != std::string_view::npos ||
                     find_text(text, "\xC2\xB0") != std::string_view::npos) {}
    const ValueParse& parsed() {
      if (!parse_) parse_ = parse_math_value(normalized);
      return *parse_;
    }
    // The value with the signs read for what they mean.
    const ValueParse& read_signs(bool percent, bool degree) {
      if (!percent && !degree) return parsed();
      auto& slot = signs_[percent][degree];
      if (!slot) {
        NormalizeOptions o;
        o.percent_as_fraction = percent;
        o.degrees_as_radians = degree;
        slot = parse_math_value(normalize_answer(raw, o));
      }
      return *slot;
    }
    // The value with a leading "y =" kept: "y = x/2 + 1" as the equation it is.
    const ValueParse& with_variable() {
      if (!with_variable_) with_variable_ = parse_math_value(kept_form(raw), false);
      return *with_variable_;
    }
    std::string raw;
    std::string normalized;
    bool has_percent = false, has_degree = false;

   private:
    std::optional<ValueParse> parse_, signs_[2][2], with_variable_;
  };

  CompareResult judge(Side& gold, Side& pred) const {
    const MathValue& g = *gold.parsed().value;
    const MathValue& p = *pred.parsed().value;
    // A word gold in \text{} is a word, not a product of letters: "\text{no}" is not "on".
    if (g.kind != ValueKind::Text) {
      if (std::optional<std::string> word = text_word(gold.raw)) {
        std::optional<std::string> said = letters_only(pred.normalized);
        return {said && *said == *word, "text"};
      }
    }
    CompareResult c = compare_values(g, p, compare_);
    if (c.equal) return c;
    // "0,5" against one number: a decimal comma. Against a gold that is one number, the two
    // integers of "0,5" cannot be right as a list, so reading the comma as a decimal point
    // lets nothing wrong pass.
    if (g.kind == ValueKind::Scalar && p.kind == ValueKind::List) {
      if (auto dot = decimal_comma(pred.normalized)) {
        ValueParse q = parse_math_value(*dot);
        if (q.value) {
          CompareResult d = compare_values(g, *q.value, compare_);
          if (d.equal) return {true, d.method + "+decimal_comma"};
        }
      }
    }
    // A gold equation ("2y = x + 2") takes an answer solved for one of its letters
    // ("y = 0.5x + 1"), which normalisation read as the value "0.5x + 1". The reverse stays
    // refused: a gold "y = ..." may be the solved form that the question asks for.
    if (g.kind == ValueKind::Equation && p.kind == ValueKind::Scalar) {
      const ValueParse& e = pred.with_variable();
      if (e.value && e.value->kind == ValueKind::Equation) {
        CompareResult d = compare_values(g, *e.value, compare_);
        if (d.equal) return {true, d.method + "+solved_for_variable"};
      }
    }
    bool percent = gold.has_percent != pred.has_percent;
    bool degree = gold.has_degree != pred.has_degree;
    if (percent || degree) {
      const ValueParse& gf =
          gold.read_signs(percent && gold.has_percent, degree && gold.has_degree);
      const ValueParse& pf =
          pred.read_signs(percent && pred.has_percent, degree && pred.has_degree);
      if (gf.value && pf.value) {
        CompareResult d = compare_values(*gf.value, *pf.value, compare_);
        if (d.equal) return {true, d.method + (percent ? "+percent" : "+degrees")};
      }
    }
    return c;
  }

  // The variable a side of an equation is, when it is one alone: a letter, a Greek letter, with
  // a subscript or not ("y", "{y}", "(y)", "+y", "x_1", "\\theta"); "" otherwise.
  static std::string lone_variable(std::string_view side) {
    std::string v;  // brackets, \left, \right, spaces and leading '+' signs are no part of it
    for (size_t k = 0; k < side.size(); ++k) {
      if (side.compare(k, 5, "\\left") == 0 || side.compare(k, 6, "\\right") == 0) {
        k += side[k + 1] == 'l' ? 4 : 5;
        continue;
      }
      const char c = side[k];
      if (c != '{' && c != '}' && c != ' ' && c != '(' && c != ')' && !(c == '+' && v.empty()))
        v += c;
    }
    size_t i = 0;
    if (!v.empty() && v[0] == '\\') {
      i = 1;
      while (i < v.size() && std::isalpha(static_cast<unsigned char>(v[i]))) ++i;
      if (i == 1) return "";
    } else if (!v.empty() && std::isalpha(static_cast<unsigned char>(v[0]))) {
      i = 1;
    } else {
      return "";
    }
    if (i < v.size() && v[i] == '_') {
      ++i;
      while (i < v.size() && std::isalnum(static_cast<unsigned char>(v[i]))) ++i;
    }
    return i == v.size() ? v : "";
  }

  // An answer's normal form with a leading "y =" kept ("y = x/2 + 1", not "x/2 + 1").
  static std::string kept_form(std::string_view text) {
    NormalizeOptions o;
    o.keep_variable_prefix = true;
    return normalize_answer(text, o);
  }

  // The letters an equation (in kept_form) has alone on a side: "y" for "y = 2x + 3",
  // "2x + 3 = y" and "{y} = 2x + 3".
  static std::vector<std::string> lone_letters(std::string_view kept) {
    std::vector<std::string> out;
    const size_t first = kept.find('='), last = kept.rfind('=');
    if (first == std::string::npos) return out;
    for (std::string_view side :
         {std::string_view(kept).substr(0, first), std::string_view(kept).substr(last + 1)}) {
      std::string v = lone_variable(side);
      if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    return out;
  }

  // Whether the prompt gives the equation `eq` solved for the same `letter`, on either side
  // ("Write $y = 2x + 3$ in standard form." or "$2x + 3 = y$" for "y = 3 + 2x"). An equation
  // solved for another letter is work ("Solve $y = 2x + 3$ for $x$." answered
  // "x = (y - 3)/2").
  bool gives_equation(std::string_view prompt, std::string_view letter, const MathValue& eq) const {
    if (letter.empty()) return false;
    for (std::string_view span : math_spans(prompt)) {
      const std::string kept = kept_form(span);
      const std::vector<std::string> alone = lone_letters(kept);
      if (std::find(alone.begin(), alone.end(), letter) == alone.end()) continue;
      const ValueParse q = parse_math_value(kept, false);
      if (q.value && q.value->kind == ValueKind::Equation &&
          compare_values(*q.value, eq, compare_).equal)
        return true;
    }
    return false;
  }

  // The word of a gold written as \text{word} (or \textbf, \mathrm, ...): letters and single
  // spaces, lower case; nullopt for anything else.
  static std::optional<std::string> text_word(std::string_view raw) {
    raw = trim(raw);
    if (raw.size() >= 2 && raw.front() == '$' && raw.back() == '$')
      raw = trim(raw.substr(1, raw.size() - 2));
    for (std::string_view cmd : {"\\text{", "\\textbf{", "\\textit{", "\\textrm{", "\\mathrm{"}) {
      if (raw.size() > cmd.size() && raw.substr(0, cmd.size()) == cmd && raw.back() == '}')
        return letters_only(raw.substr(cmd.size(), raw.size() - cmd.size() - 1));
    }
    return std::nullopt;
  }

  // `s` lower-cased with its spaces collapsed, when it holds two letters or more and nothing
  // but letters and spaces.
  static std::optional<std::string> letters_only(std::string_view s) {
    std::string out;
    size_t letters = 0;
    for (char c : trim(s)) {
      if (c == ' ') {
        if (out.back() != ' ') out += ' ';
      } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        out += static_cast<char>(c | 0x20);
        ++letters;
      } else {
        return std::nullopt;
      }
    }
    if (letters < 2) return std::nullopt;
    return out;
  }

  // "3,14" -> "3.14" when the text is one number with one comma (thousands groups of three
  // were removed by normalisation already).
  static std::optional<std::string> decimal_comma(const std::string& s) {
    size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
    size_t comma = s.find(',');
    if (comma == std::string::npos || comma == i || comma + 1 == s.size()) return std::nullopt;
    for (size_t k = i; k < s.size(); ++k) {
      if (k != comma && !(s[k] >= '0' && s[k] <= '9')) return std::nullopt;
    }
    std::string out = s;
    out[comma] = '.';
    return out;
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
