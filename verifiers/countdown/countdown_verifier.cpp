#include "verifiers/countdown/countdown_verifier.h"

#include <algorithm>
#include <cstring>

#include "verifiers/arith/exact_eval.h"
#include "verifiers/arith/plain_parser.h"
#include "verifiers/format/format_check.h"
#include "verifiers/math/extract.h"

namespace r1 {

namespace {

struct CountdownTask {
  std::vector<BigRational> numbers;
  BigRational target;
  std::string error;
};

CountdownTask read_meta(const Task& task) {
  CountdownTask t;
  const json& m = task.meta;
  if (!m.is_object() || !m.contains("numbers") || !m.contains("target")) {
    t.error = "task.meta needs 'numbers' and 'target'";
    return t;
  }
  const json& nums = m["numbers"];
  if (!nums.is_array() || nums.empty()) {
    t.error = "task.meta.numbers must be a non-empty array of integers";
    return t;
  }
  for (const json& n : nums) {
    if (!n.is_number_integer()) {
      t.error = "task.meta.numbers must hold integers, got " + n.dump();
      return t;
    }
    t.numbers.emplace_back(n.get<int64_t>());
  }
  if (!m["target"].is_number_integer()) {
    t.error = "task.meta.target must be an integer, got " + m["target"].dump();
    return t;
  }
  t.target = BigRational(m["target"].get<int64_t>());
  return t;
}

json rationals_json(const std::vector<BigRational>& v) {
  json a = json::array();
  for (const auto& r : v) a.push_back(to_string(r));
  return a;
}

class CountdownVerifier : public Verifier {
 public:
  CountdownVerifier(TagNames tags, bool allow_unused)
      : tags_(std::move(tags)),
        allow_unused_(allow_unused),
        format_(FormatSpec{tags_, "", false}) {}

  std::string name() const override { return "countdown"; }

  Verdict verify(const Task& task, const std::string& completion) override {
    Verdict v;
    v.format_ok = format_.check(completion).ok;
    CountdownTask ct = read_meta(task);
    if (!ct.error.empty()) {
      v.verifier_error = true;
      v.reason = "task_meta_invalid";
      v.details["error"] = ct.error;
      return v;
    }
    std::string_view answer;
    // Like `math`: \boxed{} counts only in free-form text without the output format's tags.
    if (auto block = answer_block(completion, tags_))
      answer = *block;
    else if (auto boxed = last_boxed(completion); boxed && !uses_tags(completion, tags_))
      answer = *boxed;
    else {
      v.reason = "no_answer";
      return v;
    }
    std::string expr = clean(answer);
    v.details["expression"] = snippet(expr);
    // An expression that is evaluated is keyed by its value below ("3+5" and "5 + 3" are one
    // answer to maj@K); one that is not, by its text. The prefixes keep the two kinds apart.
    v.details[kAnswerKey] = "text: " + answer_key_of(expr);
    // "(25-5)*4 = 80" is fine: the part after '=' must then be the target.
    size_t eq = expr.find('=');
    if (eq != std::string::npos) {
      std::string claimed = expr.substr(eq + 1);
      expr.resize(eq);
      PlainParseOptions po;
      po.allow_unary = true;
      ParsedExpr c = parse_plain(claimed, po);
      ExactResult cv = c.ok() ? eval_exact(c.tree, c.root) : ExactResult{};
      if (!cv.ok() || cv.value != ct.target) {
        v.reason = "claimed_result_not_target";
        v.details["claimed"] = snippet(claimed);
        return v;
      }
    }
    if (trim(expr).empty()) {
      v.reason = "no_answer";
      // A claimed result alone is no answer to vote for: an empty key abstains (with no key at
      // all, maj@K would fall back to the <answer> text and "= 28" would vote).
      v.details[kAnswerKey] = "";
      return v;
    }
    PlainParseOptions po;
    po.allow_unary = false;  // only the four operations: a sign would be a fifth
    po.allow_pow = false;
    po.allow_decimals = false;
    po.max_length = 1000;
    ParsedExpr p = parse_plain(expr, po);
    if (!p.ok()) {
      v.reason = "unparseable_expression";
      v.details["parse_error"] = p.error;
      v.details["at"] = p.error_pos;
      return v;
    }
    std::vector<BigRational> used = p.tree.literals(p.root);
    std::vector<BigRational> given = ct.numbers;
    std::sort(used.begin(), used.end());
    std::sort(given.begin(), given.end());
    bool numbers_ok = allow_unused_
                          ? std::includes(given.begin(), given.end(), used.begin(), used.end())
                          : used == given;
    if (!numbers_ok) {
      v.reason = "numbers_mismatch";
      v.details["used"] = rationals_json(used);
      v.details["given"] = rationals_json(given);
      return v;
    }
    ExactResult r = eval_exact(p.tree, p.root);
    if (!r.ok()) {
      v.reason = exact_status_name(r.status);
      return v;
    }
    v.details["value"] = to_string(r.value);
    v.details[kAnswerKey] = "value: " + to_string(r.value);
    if (r.value != ct.target) {
      v.reason = "wrong_value";
      v.details["target"] = to_string(ct.target);
      return v;
    }
    v.correct = true;
    v.score = 1.0;
    v.reason = "ok";
    return v;
  }

 private:
  // Strips what may surround an expression: math delimiters ($, \( \), \[ \]), \boxed,
  // markdown bold or code around it, LaTeX operators and spacing; line breaks and no-break spaces
  // are spaces. A box after "=" holds the claimed result ("8/(3-8/3) = \boxed{24}"), not the
  // expression, so the expression before it is kept.
  static std::string clean(std::string_view a) {
    std::string s(trim(a));
    if (auto b = last_boxed(s)) {
      const size_t at = s.rfind("\\boxed", static_cast<size_t>(b->data() - s.data()));
      std::string_view before = std::string_view(s).substr(0, at == std::string::npos ? 0 : at);
      while (!before.empty() && (before.back() == '$' || before.back() == ' '))
        before.remove_suffix(1);
      s = !before.empty() && before.back() == '=' ? std::string(before) + " " + std::string(*b)
                                                  : std::string(*b);
    }
    for (std::string_view wrapper : {"**", "`"}) {
      std::string_view t = trim(s);
      if (t.size() > 2 * wrapper.size() && t.substr(0, wrapper.size()) == wrapper &&
          t.substr(t.size() - wrapper.size()) == wrapper)
        s = std::string(t.substr(wrapper.size(), t.size() - 2 * wrapper.size()));
    }
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '$') continue;
      if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
        out += ' ';
        continue;
      }
      if (s.compare(i, 2, "\xC2\xA0") == 0) {  // a no-break space
        out += ' ';
        ++i;
        continue;
      }
      if (s[i] == '\\' && i + 1 < s.size() &&
          std::string_view("()[],;! ").find(s[i + 1]) != std::string_view::npos) {
        out += ' ';  // \( \) \[ \] delimiters, \, \; \! \  spacing
        ++i;
        continue;
      }
      if (s[i] == '\\') {
        auto word = [&](const char* w) { return s.compare(i + 1, std::strlen(w), w) == 0; };
        if (word("times")) {
          out += '*';
          i += 5;
          continue;
        }
        if (word("cdot")) {
          out += '*';
          i += 4;
          continue;
        }
        if (word("div")) {
          out += '/';
          i += 3;
          continue;
        }
        if (word("left")) {
          i += 4;
          continue;
        }
        if (word("right")) {
          i += 5;
          continue;
        }
      }
      out += s[i];
    }
    std::string_view t = trim(out);
    while (!t.empty() && (t.back() == '.')) t.remove_suffix(1);
    return std::string(t);
  }

  TagNames tags_;
  bool allow_unused_;
  FormatChecker format_;
};

}  // namespace

std::unique_ptr<Verifier> make_countdown_verifier(const json& options) {
  JsonReader r(options, "countdown verifier options");
  TagNames tags = TagNames::from_options(r);
  bool allow_unused = r.get<bool>("allow_unused_numbers", false);
  r.done();
  return std::make_unique<CountdownVerifier>(std::move(tags), allow_unused);
}

}  // namespace r1
