#include "verifiers/step/claims.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <optional>

#include "core/ascii.h"
#include "verifiers/arith/ball_eval.h"
#include "verifiers/arith/exact_eval.h"
#include "verifiers/arith/plain_parser.h"
#include "verifiers/completion.h"
#include "verifiers/step/claim_notation.h"

namespace r1 {

namespace {

// A ball's midpoint for verdict details: a double, or a power of two beyond double range.
std::string describe(const Ball& b) {
  if (!b.known()) return b.undefined ? "undefined" : "unknown";
  double v = b.to_double();
  char buf[64];
  if (std::isfinite(v) && (v == 0) == (b.mid == 0))
    std::snprintf(buf, sizeof buf, "%.17g", v);
  else
    std::snprintf(buf, sizeof buf, "%s2^%.6f", b.mid < 0 ? "-" : "", b.log2_mid());
  return buf;
}

// Bytes of a claim. Non-ASCII bytes are allowed only as part of × ÷ · ⋅ − ∗ ∕, which the
// plain parser recognises.
bool claim_char(char c) {
  return (c >= '0' && c <= '9') || c == ' ' || c == '\t' || c == '+' || c == '-' || c == '*' ||
         c == '/' || c == '^' || c == '(' || c == ')' || c == '.' || c == ',' || c == '=' ||
         c == '\r';
}

constexpr std::string_view kNotEqualSign = "\xE2\x89\xA0";  // ≠
constexpr std::string_view kApproxSign = "\xE2\x89\x88";    // ≈

enum class Relation { Equal, Unequal, Approx };

// The bytes of the relation ("=", "==", "!=", "≠" or "≈") that starts at s[i], 0 for none;
// *rel says which it is.
size_t relation_at(std::string_view s, size_t i, Relation* rel) {
  *rel = Relation::Unequal;
  if (s[i] == '!' && i + 1 < s.size() && s[i + 1] == '=') return 2;
  if (s.compare(i, kNotEqualSign.size(), kNotEqualSign) == 0) return kNotEqualSign.size();
  *rel = Relation::Approx;
  if (s.compare(i, kApproxSign.size(), kApproxSign) == 0) return kApproxSign.size();
  *rel = Relation::Equal;
  if (s[i] != '=') return 0;
  return i + 1 < s.size() && s[i + 1] == '=' ? 2 : 1;
}

// The width of the claim token at s[i] (a relation, an arithmetic byte, or one of kOperatorSigns),
// 0 when s[i] cannot be part of a claim.
size_t claim_token_at(std::string_view s, size_t i) {
  Relation rel;
  if (const size_t w = relation_at(s, i, &rel)) return w;
  if (static_cast<unsigned char>(s[i]) < 0x80) return claim_char(s[i]) ? 1 : 0;
  for (std::string_view sign : kOperatorSigns)
    if (s.compare(i, sign.size(), sign) == 0) return sign.size();
  return 0;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Non-ASCII characters that continue an expression rather than end a sentence: hyphens,
// fraction slashes, superscript and subscript digits (after a letter: "x² = 36"; after a number
// they were rewritten as a power, claim_notation.h). En dashes were rewritten as minus signs.
bool operator_like(std::string_view ch) {
  for (std::string_view op :
       {"\xE2\x80\x90", "\xE2\x80\x91", "\xE2\x81\x84", "\xC2\xB2", "\xC2\xB3", "\xC2\xB9"})
    if (ch == op) return true;
  const auto b = [&](size_t k) { return static_cast<unsigned char>(ch[k]); };
  // U+2070..U+209F: superscripts and subscripts.
  return ch.size() == 3 && b(0) == 0xE2 && (b(1) == 0x81 || b(1) == 0x82) &&
         (b(1) == 0x82 ? b(2) <= 0x9F : b(2) >= 0xB0);
}

std::string lower_word(std::string_view w) {  // ASCII letters lower-cased
  std::string lower;
  for (char c : w) lower += static_cast<char>(c | 0x20);
  return lower;
}

// Whether w, lower-cased, is one of `words`.
bool one_of(std::string_view w, std::initializer_list<std::string_view> words) {
  const std::string lower = lower_word(w);
  for (std::string_view k : words)
    if (lower == k) return true;
  return false;
}

// The end of the ASCII word that starts at line[k] (k itself when none does).
size_t word_end(std::string_view line, size_t k) {
  while (k < line.size() && ascii_letter(line[k])) ++k;
  return k;
}

// Words that make arithmetic of the numbers around them ("20% of 50 = 10", "3 groups of 4 =
// 12", "36 = 6 squared"), or that deny the claim beside them ("not 6*7 = 43", "isn't"): a
// stretch they border holds no claim of its own.
bool continuing_word(std::string_view w) {
  return one_of(
      w, {"of",         "times",  "plus",    "minus",     "by",    "mod",  "modulo", "and",
          "squared",    "cubed",  "choose",  "sqrt",      "log",   "ln",   "over",   "divided",
          "multiplied", "root",   "percent", "factorial", "power", "cube", "square", "half",
          "twice",      "double", "triple",  "isn",       "not",   "pi"});
}

// Words that start the next thought ("3*4 = 12 so 6*7 = 43", "because 125 - 100 = 25").
bool connective_word(std::string_view w) {
  return one_of(w, {"so", "then", "thus", "hence", "therefore", "next", "now", "which", "because",
                    "since", "also", "but"});
}

// Words that, opening a bracket after a claim, continue its arithmetic ("= 3 (mod 7)", "= 2
// (sqrt 4)") rather than annotate it ("= 43 (so close)", "= 21 (target)").
bool bracket_math_word(std::string_view w) {
  return one_of(
      w, {"mod",    "modulo",  "times",  "plus",  "minus",   "over",      "divided", "multiplied",
          "choose", "squared", "cubed",  "sqrt",  "root",    "log",       "ln",      "exp",
          "sin",    "cos",     "tan",    "abs",   "max",     "min",       "gcd",     "lcm",
          "floor",  "ceil",    "pi",     "power", "percent", "factorial", "square",  "cube",
          "half",   "twice",   "double", "triple"});
}

// Words of a bracketed note that make the claim before it an estimate: "6*7 = 40
// (approximately)" claims 6*7 ≈ 40.
bool hedge_word(std::string_view w) {
  return one_of(w, {"approx", "approximately", "about", "roughly", "around", "nearly", "almost",
                    "estimate", "estimated", "circa", "ca"});
}

// Words of a note that say the claim before it is not plain arithmetic: integer division and
// its remainder ("100/3 = 33 (remainder 1)", "9 / 2 = 4 (integer division)", "50 / 8 = 7
// (rounding up)"), a count of things ("= 4 (each)").
bool division_note_word(std::string_view w) {
  return one_of(
      w, {"remainder", "remainders", "left",     "leftover", "leftovers", "over",  "quotient",
          "integer",   "int",        "floor",    "ceil",     "ceiling",   "round", "rounded",
          "rounding",  "whole",      "each",     "per",      "r",         "up",    "down",
          "truncated", "truncate",   "division", "divided",  "with",      "rest",  "extra"});
}

// Words that, after "and", "by" or "of", still make a number: "= 5 and a half", "= 1 and
// one-third", "= 6 by two".
bool number_word(std::string_view w) {
  return one_of(
      w, {"a",      "an",    "one",     "two",      "three",    "four",      "five",    "six",
          "seven",  "eight", "nine",    "ten",      "eleven",   "twelve",    "twenty",  "thirty",
          "forty",  "fifty", "hundred", "hundreds", "thousand", "thousands", "million", "half",
          "halves", "third", "thirds",  "quarter",  "quarters", "fourth",    "fourths", "fifth",
          "fifths", "tenth", "tenths",  "zero",     "dozen"});
}

// How the note that opens at line[b] (after "(") may cut the division before it. A note with a
// number (digits or a word: "12/4 = 3 (four groups)") or a word of integer division may say the
// arithmetic is cut ("8 / 3 = 2 (and 2 left over)", "8/3 = 2 (not 2.67)"): down, or down or up
// when it says up or round ("50/8 = 7 (rounding up)"). The claim is read either way, so such a
// note cannot hide a false claim ("7*3 = 43 (not 21)").
Claim::Cut note_cut(std::string_view line, size_t b) {
  bool cut = false, up = false;
  for (size_t e = b; e < line.size() && line[e] != ')';) {
    if (line[e] >= '0' && line[e] <= '9') cut = true;
    if (!ascii_letter(line[e])) {
      ++e;
      continue;
    }
    const size_t we = word_end(line, e);
    const std::string_view word = line.substr(e, we - e);
    cut = cut || division_note_word(word) || (number_word(word) && word.size() > 2);
    up = up || one_of(word, {"up", "ceil", "ceiling", "round", "rounded", "rounding"});
    e = we;
  }
  return !cut ? Claim::Cut::None : up ? Claim::Cut::DownOrUp : Claim::Cut::Down;
}

// Whether a one-letter word at line[b] (ending at we) opens prose, not algebra: an article or an
// abbreviation ("= 43 (a typo)", "(i.e. close)", "(e.g. ...)") rather than a variable
// ("(x - 1)", "(a + b)").
bool letter_opens_prose(std::string_view line, size_t we) {
  if (we + 1 < line.size() && line[we] == '.' && ascii_letter(line[we + 1])) return true;
  if (we >= line.size() || !is_space(line[we])) return false;
  while (we < line.size() && is_space(line[we])) ++we;
  return we < line.size() && word_end(line, we) >= we + 2;
}

// Whether a bracket that opens with a bracket_math_word continues the arithmetic: a postfix
// word ("= 36 (squared)") or one followed by a number, a bracket or an operator ("= 1 (mod 7)",
// "(sqrt 25)"). Otherwise it is a note like any other ("= 130 (square feet)", "= 70 (min)").
bool continues_arithmetic(std::string_view line, std::string_view word, size_t we) {
  if (one_of(word, {"squared", "cubed", "factorial", "percent"})) return true;
  while (we < line.size() && is_space(line[we])) ++we;
  return we < line.size() && ((line[we] >= '0' && line[we] <= '9') ||
                              std::string_view("(+-*/^").find(line[we]) != std::string_view::npos);
}

// Where a note that opens with a number or a sum of money starts: the '(' of "= 43 (1 more)",
// "= 43 (2nd try)", "= 43 (20%)" or "= 43 ($43 total)", which ends the stretch [s, e) of claim
// bytes ("... (1"); what follows it at line[b] says it is prose: a word (an article or one of two
// letters or more, glued or not, that does not continue the arithmetic), a percent, or a '$'
// right after the bracket. npos otherwise: "6 = 3 (2)" is a product, "= 3 (2x)" and "= 43 (2
// times 21.5)" continue the arithmetic.
size_t number_note_open(std::string_view line, size_t s, size_t e, size_t b) {
  if (b >= line.size()) return std::string_view::npos;
  size_t j = e;
  while (j > s &&
         ((line[j - 1] >= '0' && line[j - 1] <= '9') || line[j - 1] == '.' || line[j - 1] == ','))
    --j;
  const bool number = j < e;
  const bool signed_number = number && j > s && (line[j - 1] == '-' || line[j - 1] == '+');
  if (signed_number) --j;                      // "(-1 off)"
  while (j > s && is_space(line[j - 1])) --j;  // "( 43 total)": a '$' read as currency
  // "= 43 (1 more)"; glued to the result only with a sign ("= 43(-1 off)"): "12 = 4(3 dollars)"
  // is a product.
  if (j < s + 2 || line[j - 1] != '(' ||
      !(is_space(line[j - 2]) || (signed_number && line[j - 2] >= '0' && line[j - 2] <= '9')))
    return std::string_view::npos;
  const size_t open = j - 1;
  if (!number)  // "(" then "$43 total", "~1 off", "#1"
    return e == b && (line[b] == '$' || line[b] == '~' || line[b] == '#') && b + 1 < line.size() &&
                   line[b + 1] >= '0' && line[b + 1] <= '9'
               ? open
               : std::string_view::npos;
  if (line[b] == '%') return open;
  if (!ascii_letter(line[b])) return std::string_view::npos;
  const size_t we = word_end(line, b);
  const std::string_view word = line.substr(b, we - b);
  const bool prose = word.size() >= 2
                         ? !(bracket_math_word(word) && continues_arithmetic(line, word, we))
                         : e < b && letter_opens_prose(line, we);
  return prose && (we == line.size() || line[we] != '(') ? open : std::string_view::npos;
}

// From line[k] (spaces skipped): a stretch of claim bytes whose first side is an expression, an
// operator before its first relation ("4*6 = 24", not "4 = 10").
bool expression_then_relation(std::string_view line, size_t k) {
  while (k < line.size() && is_space(line[k])) ++k;
  bool op = false, digit = false;
  for (size_t w; k < line.size() && (w = claim_token_at(line, k)) > 0; k += w) {
    Relation rel;
    if (relation_at(line, k, &rel)) return op;
    const char c = line[k];
    if (c >= '0' && c <= '9') digit = true;
    if (digit && (w > 1 || c == '+' || c == '-' || c == '*' || c == '/' || c == '^')) op = true;
  }
  return false;
}

// Whether "and" at line[b, e) joins two claims, each with an expression on its left: "6*7 = 42
// and 4*6 = 24", not two numbers ("7 and 5 = 12", "2*3 = 6 and 4 = 10", which may mean 6 + 4).
bool joins_claims(std::string_view line, size_t b, size_t e) {
  if (!expression_then_relation(line, e)) return false;
  size_t k = b;
  while (k > 0 && is_space(line[k - 1])) --k;
  for (; k > 0 && static_cast<unsigned char>(line[k - 1]) < 0x80 && claim_char(line[k - 1]); --k)
    if (line[k - 1] == '=') return true;
  return false;
}

// A mark a claim may end with that is no arithmetic: an emoji, or a check mark or cross
// (✓ ✔ ✅ ✗ ✘ ❌), glued or not ("= 21✅").
bool prose_mark(std::string_view ch) {
  if (check_mark_or_emoji(ch)) return true;
  // a unit or currency sign after the result: ° € £ ¥
  for (std::string_view m : {"\xC2\xB0", "\xE2\x82\xAC", "\xC2\xA3", "\xC2\xA5"})
    if (ch == m) return true;
  return false;
}

// Where an operator that ends the stretch [s, e) of claim bytes is punctuation before prose,
// so that the claim before it is read. "-", "--" or "//" between spaces before a word that
// comments on the claim always is ("6*7 = 43 - done", "= 43 -- check", "= 43 // ok"). After a
// computed left side ("6*7 = ..."), so is any of + - * / before a word of prose that no number,
// bracket or math word follows ("6*7 = 43 + yes", "= 43 / ok", "= 43 - we are done"). After a
// lone number the words may go on with the arithmetic ("Since 20 = 30 - discount, ...", "108 =
// 100 + tax"), which states no claim. npos when none.
size_t operator_before_prose(std::string_view line, size_t s, size_t e, size_t b) {
  if (e - s < 3 || b <= e || b >= line.size() || !ascii_letter(line[b]))
    return std::string_view::npos;
  size_t op = e - 1;
  if (std::string_view("+-*/").find(line[op]) == std::string_view::npos)
    return std::string_view::npos;
  const bool doubled = (line[op] == '-' || line[op] == '/') && line[op - 1] == line[op];
  if (doubled) --op;                           // "--", "//"
  while (op > s && line[op - 1] == '-') --op;  // "---"
  if (op <= s || !is_space(line[op - 1])) return std::string_view::npos;
  const size_t we = word_end(line, b);
  const std::string word = lower_word(line.substr(b, we - b));
  if ((line[e - 1] == '-' || doubled) &&
      one_of(word, {"done",   "check",   "checked", "checks",    "ok",        "okay",  "correct",
                    "right",  "true",    "so",      "therefore", "thus",      "hence", "good",
                    "yes",    "no",      "wrong",   "close",     "nice",      "great", "perfect",
                    "next",   "moving",  "see",     "verified",  "confirmed", "fine",  "works",
                    "that",   "this",    "which",   "then",      "now",       "final", "answer",
                    "target", "success", "found",   "matches",   "valid",     "not"}))
    return op;
  // A computed left side: an operator before the first relation of the stretch.
  bool computed = false;
  Relation rel;
  size_t k = s;
  while (k < op && is_space(line[k])) ++k;
  k += relation_at(line, k, &rel);  // "Total = 6*7 = 43 + tax": past the leading '='
  bool division = false;            // "100/7 = 14 + remainder" cuts a division: no prose
  for (const size_t first = k; k < op && relation_at(line, k, &rel) == 0; ++k) {
    if (k > first && std::string_view("+-*/^").find(line[k]) != std::string_view::npos)
      computed = true;
    division = division || line[k] == '/';
  }
  if (!computed || word.size() < 2 || continuing_word(word) || bracket_math_word(word) ||
      number_word(word) || (division && one_of(word, {"remainder", "left", "leftover", "rest"})))
    return std::string_view::npos;
  for (size_t k = we; k < line.size() && k < we + 32; ++k) {
    const char c = line[k];
    if (c == '.' || c == ',' || c == ';' || c == '!' || c == '?') break;
    if ((c >= '0' && c <= '9') || c == '(') return std::string_view::npos;
  }
  return op;
}

// Whether the letters at line[at], glued after a number, are a unit: a word of two letters or
// more that is no math word ("13cm", "5hrs"; not "2pi", "3sqrt"), without a digit or a bracket
// glued after it ("5ab2", "3cos(x)").
bool glued_unit(std::string_view line, size_t at) {
  if (at == 0 || line[at - 1] < '0' || line[at - 1] > '9') return false;
  if (line[at - 1] == '0' && (at == 1 || line[at - 2] < '0' || line[at - 2] > '9') &&
      at + 1 < line.size()) {  // "0xff", "0b101", "0o17": a number in another base
    const char base = line[at], d = ascii_lower(line[at + 1]);
    if ((base == 'x' && ((d >= '0' && d <= '9') || (d >= 'a' && d <= 'f'))) ||
        (base == 'b' && (d == '0' || d == '1')) || (base == 'o' && d >= '0' && d <= '7'))
      return false;
  }
  const size_t we = word_end(line, at);
  if (we - at < 2 || bracket_math_word(lower_word(line.substr(at, we - at)))) return false;
  return we == line.size() || !((line[we] >= '0' && line[we] <= '9') || line[we] == '(');
}

// Whether a continuing word that starts at line[b], before a claim, operates on it. "of"
// operates unless a noun of identity comes right before it ("The product of 6*7 = 43.", "the
// value of", "a total of $20 + $15 = $35": the claim states that value; each such line hid a
// false claim, an audit), as it does after anything else ("20% of 50 = 10", "the sum of the
// digits of 123 = 6", "Cost of 3 = 12"). "by" operates unless it opens the sentence ("By 6*7 =
// 43 we get it."; "Multiply by 3 = 12" operates). Other continuing words always operate.
bool operates_here(std::string_view line, size_t b, std::string_view word) {
  if (word != "of" && word != "by") return true;
  size_t k = b;
  while (k > 0 && (is_space(line[k - 1]) || line[k - 1] == '$')) --k;
  if (word == "by")
    return !(k == 0 || line[k - 1] == '.' || line[k - 1] == ':' || line[k - 1] == ';' ||
             line[k - 1] == ',');
  size_t v = k;
  while (v > 0 && ascii_letter(line[v - 1])) --v;
  const std::string noun = lower_word(line.substr(v, k - v));
  if (!one_of(noun, {"value", "values", "result", "results", "product", "sum", "total", "answer",
                     "difference", "quotient", "calculation", "expression", "computation"}))
    return true;
  // "The absolute value of -5 = 5" operates.
  size_t u = v;
  while (u > 0 && is_space(line[u - 1])) --u;
  size_t t = u;
  while (t > 0 && ascii_letter(line[t - 1])) --t;
  return lower_word(line.substr(t, u - t)) == "absolute";
}

// Whether what borders a stretch of claim bytes makes it something other than a claim: part of
// a larger expression (a variable, a LaTeX command, a percent, a ratio, a factorial, a word
// that operates on numbers), or a question. `at` is the bordering byte (before the stretch
// when `before`), `tight` says no space lies between. "So 6*6 = 36." and "6-6 = 2 apples" are
// claims; "3x + 6 = 12", "6 x 6 = 36", "50% = 0.5", "3:4 = 6:8", "24 = 4!", "\frac{6}{3} = 2",
// "20% of 50 = 10" and "Is 6*7 = 43?" hold none.
// Whether `gap` holds only words that join claims (and, or, so, then, ...), spaces and
// commas: what may stand between a bracketed list and the next claim without operating on it
// ("and twice 3 = 6" operates).
bool only_joining_words(std::string_view gap) {
  for (size_t i = 0; i < gap.size();) {
    if (is_space(gap[i]) || gap[i] == ',' || gap[i] == ';') {
      ++i;
      continue;
    }
    if (!ascii_letter(gap[i])) return false;
    size_t e = i;
    while (e < gap.size() && ascii_letter(gap[e])) ++e;
    const std::string word = lower_word(gap.substr(i, e - i));
    if (word != "and" && word != "or" && !connective_word(word)) return false;
    i = e;
  }
  return true;
}

// Whether a connective at line[b, e), before a claim, goes on with the arithmetic before it
// instead of starting the next thought: before an operator ("Take 50 then - 10 = 40"; a sign
// glued to its number is no operator: "So -6 = -3!"), or, after a number, between lone numbers
// ("3 + 4 then 5 = 12": "then" adds, a review). Never after a claim ("3*4 = 12 so 43 = 6*7"):
// a relation has closed the arithmetic before it.
bool connective_goes_on(std::string_view line, size_t b, size_t e) {
  const auto op = [](char ch) {
    return std::string_view("+-*/^x").find(ch) != std::string_view::npos;
  };
  size_t p = b;
  while (p > 0 && is_space(line[p - 1])) --p;
  if (p == 0 || !(ascii_digit(line[p - 1]) || line[p - 1] == ')')) return false;
  for (size_t q = p; q > 0 && !ascii_letter(line[q - 1]) && line[q - 1] != '.'; --q)
    if (line[q - 1] == '=') return false;
  size_t k = e;
  while (k < line.size() && is_space(line[k])) ++k;
  const bool sign =
      k + 1 < line.size() && (line[k] == '-' || line[k] == '+') && ascii_digit(line[k + 1]);
  if (k < line.size() && op(line[k]) && !sign) return true;
  size_t j = k;  // the left side: no operator, up to its relation
  for (; j < line.size() && line[j] != '='; ++j)
    if (op(line[j]) || static_cast<unsigned char>(line[j]) >= 0x80) return false;
  if (j == line.size()) return false;
  size_t r = j + 1;  // the right side: one number, then no operator
  while (r < line.size() && is_space(line[r])) ++r;
  while (r < line.size() && (ascii_digit(line[r]) || line[r] == '.' || line[r] == ',')) ++r;
  while (r < line.size() && is_space(line[r])) ++r;
  return r == line.size() || !op(line[r]);
}

bool not_a_claim_border(std::string_view line, size_t at, bool before, bool tight) {
  const char c = line[at];
  if (ascii_letter(c)) {
    // Glued to a number a letter is a variable (2x, x2); a word of two letters or more after the
    // claim is a unit ("= 13cm", "= 5hrs"), unless it continues the arithmetic ("= 2pi").
    if (tight && (before || !glued_unit(line, at))) return true;
    size_t b = at;
    while (b > 0 && ascii_letter(line[b - 1])) --b;
    const size_t e = word_end(line, at);
    if (e - b == 1) return true;                    // a variable, or x for times
    if (b > 0 && line[b - 1] == '\\') return true;  // \times, \cdot
    const std::string word = lower_word(line.substr(b, e - b));
    // "and" between two claims joins claims: "6*7 = 42 and 4*6 = 24".
    if (word == "and" && joins_claims(line, b, e)) return false;
    // After a claim, "by", "of" or "and" before words, or ending the line, is prose ("= 21 by
    // subtraction", "= 43 of course", "= 12 and so on"); before a number, or a word of one, it
    // joins it ("= 6 by 6", "= 7 and 5", "= 5 and a half").
    if (!before && (word == "by" || word == "of" || word == "and")) {
      size_t k = e;
      while (k < line.size() && is_space(line[k])) ++k;
      const size_t we = word_end(line, k);
      if (k == line.size() || (we > k && !number_word(line.substr(k, we - k)))) return false;
    }
    // A word that starts the next thought borders a claim on either side, numbers or not:
    // "3*4 = 12 so 6*7 = 43" is two claims (read as one "12 so 6", neither was checked).
    if (connective_word(word)) return before && connective_goes_on(line, b, e);
    if (continuing_word(word) && (!before || operates_here(line, b, word))) return true;
    // A word between two numbers joins them ("7 and 5 = 12", "3 groups of 4 = 12"), and so
    // do words after a sum's or product's operator that follows a number ("25 + shoe size 5 =
    // 30"). Not after '-' or '/', which are punctuation as often ("Step 2 - so 6*6 = 35",
    // "and/or").
    size_t k = before ? b : e;
    if (before) {
      while (k > 0 && is_space(line[k - 1])) --k;
      if (k == 0) return false;
      const char o = line[k - 1];
      if ((o >= '0' && o <= '9') || o == '%' || o == ')') return true;
      for (int words = 1; words < 4 && ascii_letter(line[k - 1]); ++words) {
        while (k > 0 && ascii_letter(line[k - 1])) --k;
        while (k > 0 && is_space(line[k - 1])) --k;
        if (k == 0) return false;
      }
      if (line[k - 1] != '+' && line[k - 1] != '*') return false;
      --k;
      while (k > 0 && is_space(line[k - 1])) --k;
      return k > 0 && ((line[k - 1] >= '0' && line[k - 1] <= '9') || line[k - 1] == ')');
    }
    while (k < line.size() && is_space(line[k])) ++k;
    return k < line.size() && ((line[k] >= '0' && line[k] <= '9') || line[k] == '(');
  }
  if (static_cast<unsigned char>(c) >= 0x80) {
    size_t b = at, e = at + 1;  // the whole UTF-8 character
    while (b > 0 && (static_cast<unsigned char>(line[b]) & 0xC0) == 0x80) --b;
    while (e < line.size() && (static_cast<unsigned char>(line[e]) & 0xC0) == 0x80) ++e;
    if (!before && prose_mark(line.substr(b, e - b))) return false;  // "= 21✅"
    if (tight) return true;
    // An em dash is a minus between numbers ("6 — 6 = 0") and punctuation before words
    // ("6*6 = 35 — close").
    if (line.substr(b, e - b) == "\xE2\x80\x94") {
      size_t k = before ? b : e;
      if (before)
        while (k > 0 && is_space(line[k - 1])) --k;
      else
        while (k < line.size() && is_space(line[k])) ++k;
      const char o = before ? (k > 0 ? line[k - 1] : ' ') : (k < line.size() ? line[k] : ' ');
      return (o >= '0' && o <= '9') || o == (before ? ')' : '(');
    }
    return operator_like(line.substr(b, e - b));  // "x² = 36": a power; "= 35 ✓": prose
  }
  if (c == '\\' || c == '{' || c == '}' || c == '_' || c == '%') return true;
  if (!before && c == '?') return true;  // a question: "Is 6*7 = 43? No."
  if (!tight) return false;
  // Quotes, math and code delimiters hug a claim; other symbols glued to it change it ("4!").
  const std::string_view hugging = before ? "$`\"'[" : "$`\"'],.:;#@~";
  return hugging.find(c) == std::string_view::npos;
}

// A traced condition judges the claim before it ("1 == 0 is False", as pyoutput's worked
// solutions write them): +1 for "is True", -1 for "is False" right after line[b], else 0.
int truth_suffix(std::string_view line, size_t b) {
  size_t k = b;
  while (k < line.size() && is_space(line[k])) ++k;
  if (line.substr(k, 3) != "is " && line.substr(k, 3) != "is\t") return 0;
  k += 3;
  while (k < line.size() && is_space(line[k])) ++k;
  for (auto [word, truth] :
       {std::pair{std::string_view("True"), 1}, {"true", 1}, {"False", -1}, {"false", -1}}) {
    if (line.substr(k, word.size()) == word &&
        (k + word.size() == line.size() || !ascii_letter(line[k + word.size()])))
      return truth;
  }
  return 0;
}

// How a claim's sides are parsed, when found (parses) and when checked (check_equality).
PlainParseOptions claim_parse_options() {
  PlainParseOptions po;
  po.allow_thousands = true;
  po.allow_implicit_product = true;          // "(1+2)(1+71)", "2(6^.5)" from 2\sqrt{6}
  po.implicit_product_across_spaces = true;  // LaTeX ignores spaces: "x^2 (y)"
  po.max_length = 1000;
  po.max_literal_digits = 400;
  return po;
}

// Whether one side of a claim found inside a sentence is arithmetic the checker reads. In prose
// a space keeps a bracket from multiplying ("Option 3 (75 - 25) = 50", "Case (2) 6*6 = 36" hold
// no claim); a whole line of arithmetic reads as LaTeX would (claim_parse_options).
bool parses(std::string_view side) {
  PlainParseOptions po = claim_parse_options();
  po.implicit_product_across_spaces = false;
  return parse_plain(side, po).ok();
}

// Whether one pair of brackets holds all of `s`: "(6*7 = 43)", not "(1+2)(3+4)".
bool wrapped_in_brackets(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    if (depth == 0) return i + 1 == s.size();
  }
  return false;
}

// `s` with unmatched outer brackets dropped ("36)" of "(so 6*6 = 36)") and a pair around the
// whole claim too ("There are 43 (6*7 = 43)": each side alone would not parse); nullopt when
// the brackets inside still do not balance.
std::optional<std::string_view> balanced(std::string_view s) {
  for (;;) {
    int depth = 0, lowest = 0;
    for (char c : s) {
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      lowest = std::min(lowest, depth);
    }
    if (depth == 0 && lowest == 0) {
      if (!wrapped_in_brackets(s)) return s;
      s = trim(s.substr(1, s.size() - 2));
      continue;
    }
    if (lowest < 0 && !s.empty() && s.back() == ')') {
      s = trim(s.substr(0, s.size() - 1));
    } else if (depth > 0 && !s.empty() && s.front() == '(') {
      s = trim(s.substr(1));
    } else {
      return std::nullopt;
    }
  }
}

bool starts_with_relation(std::string_view s, size_t* width, Relation* rel) {
  *width = s.empty() ? 0 : relation_at(s, 0, rel);
  return *width > 0;
}

bool ends_with_relation(std::string_view s, size_t* width) {
  Relation rel;
  for (size_t w : {size_t{2}, kNotEqualSign.size(), size_t{1}}) {
    if (s.size() >= w && relation_at(s, s.size() - w, &rel) == w) {
      *width = w;
      return true;
    }
  }
  return false;
}

// An operator at the end of a claim's text: "+", "*", a kSign...
bool ends_with_operator(std::string_view s) {
  if (s.empty()) return false;
  const char c = s.back();
  if (c == '+' || c == '-' || c == '*' || c == '/' || c == '^') return true;
  for (std::string_view sign : kOperatorSigns)
    if (s.size() >= sign.size() && s.substr(s.size() - sign.size()) == sign) return true;
  return false;
}

// A binary operator at the start ("+ 6 = 12" is the tail of "3x + 6 = 12"); a minus may be a
// sign.
bool starts_with_binary_operator(std::string_view s) {
  if (s.empty()) return false;
  const char c = s[0];
  if (c == '+' || c == '*' || c == '/' || c == '^') return true;
  for (std::string_view sign : kOperatorSigns)
    if (sign != "\xE2\x88\x92" && s.substr(0, sign.size()) == sign) return true;
  return false;
}

bool has_digit(std::string_view s) {
  for (char c : s) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

// 10^place exactly: the unit of the last digit rounding_place found (0.01 for -2, 1 for 0).
BigRational place_unit(int place) {
  const BigInt ten = boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(std::abs(place)));
  return place < 0 ? BigRational(BigInt(1), ten) : BigRational(ten);
}

// The place a written result may be rounded to, as a power of ten: -k for a decimal literal
// with k digits after the point ("3.14" -> -2; k in [1, 30]). For an approximate claim also an
// integer literal, at its last nonzero digit ("36" -> 0, "40" -> 1, "0" -> 0). nullopt
// otherwise (an expression, "3.0e5", a rounding of an exact result to itself).
std::optional<int> rounding_place(std::string_view s, bool approx) {
  s = trim(s);
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  const size_t dot = s.find('.');
  if (s.empty() || dot == 0) return std::nullopt;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != dot && !(s[i] >= '0' && s[i] <= '9')) return std::nullopt;
  }
  if (dot != std::string_view::npos) {
    const size_t k = s.size() - dot - 1;
    if (k < 1 || k > 30) return std::nullopt;
    return -static_cast<int>(k);
  }
  if (!approx) return std::nullopt;
  int zeros = 0;
  while (zeros + 1 < static_cast<int>(s.size()) && s[s.size() - 1 - zeros] == '0') ++zeros;
  return std::min(zeros, 30);
}

}  // namespace

const char* claim_truth_name(ClaimTruth t) {
  switch (t) {
    case ClaimTruth::True:
      return "true";
    case ClaimTruth::Rounded:
      return "rounded";
    case ClaimTruth::False:
      return "false";
    case ClaimTruth::Malformed:
      return "malformed";
    case ClaimTruth::TooLarge:
      return "too_large";
    case ClaimTruth::DivisionByZero:
      return "division_by_zero";
  }
  return "?";
}

namespace {

// A side with its runs of spaces made one and none inside brackets ("6      * 6" from
// "6 \times 6", "(2+3)" from "\left(2+3\right)"), for reading.
std::string single_spaced(std::string_view side) {
  std::string out;
  for (char c : side) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ' && out.back() != '(') out += ' ';
      continue;
    }
    if (c == ')' && !out.empty() && out.back() == ' ') out.pop_back();
    out += c;
  }
  return out;
}

// The last side of a line that is all arithmetic, which the next line may continue: "36 + 1"
// then "= 37", or "6*6 =" then "35". Empty `side` when the line is not all arithmetic.
struct Carried {
  std::string_view side;
  bool open = false;  // the line ended with a relation (`rel`, starting at text byte `rel_at`)
  Relation rel = Relation::Equal;
  size_t rel_at = 0;
};

Carried arithmetic_tail(std::string_view text, std::string_view line, size_t max_stretch) {
  Carried out;
  std::string_view t = line;
  if (t.size() >= 4 && t.substr(0, 2) == "**" && t.substr(t.size() - 2) == "**")
    t = trim(t.substr(2, t.size() - 4));
  while (!t.empty() && (t.back() == '.' || t.back() == ',')) t.remove_suffix(1);
  t = trim(t);
  if (t.empty() || t.size() > max_stretch) return out;
  size_t last_rel = std::string_view::npos, last_width = 0;
  Relation last = Relation::Equal;
  for (size_t i = 0; i < t.size();) {
    const size_t w = claim_token_at(t, i);
    if (w == 0) return out;
    Relation rel;
    if (relation_at(t, i, &rel)) {
      last_rel = i;
      last_width = w;
      last = rel;
    }
    i += w;
  }
  std::string_view side = t;
  if (last_rel != std::string_view::npos) {
    if (last_rel + last_width == t.size()) {  // "6*6 =": the relation waits for its side
      out.open = true;
      out.rel = last;
      out.rel_at = static_cast<size_t>(t.data() - text.data()) + last_rel;
      side = t.substr(0, last_rel);
      size_t before = std::string_view::npos;
      for (size_t i = 0; i < side.size(); ++i) {
        Relation rel;
        if (const size_t w = relation_at(side, i, &rel)) {
          before = i + w;
          i += w - 1;
        }
      }
      if (before != std::string_view::npos) side = side.substr(before);
    } else {
      side = t.substr(last_rel + last_width);
    }
  }
  side = trim(side);
  if (has_digit(side) && parses(side)) out.side = side;
  return out;
}

// The claims of the stretch [a, b) of claim bytes in `line` (a view into `text`). `carried` is
// the end of the line before when that line was all arithmetic: a line that is all arithmetic
// may continue it ("36 + 1" then "= 37" claims 36 + 1 = 37, "6*6 =" then "35" claims 6*6 =
// 35), so that a line break does not hide a claim. False when max_claims was reached.
bool add_claims(std::string_view text, std::string_view line, size_t a, size_t b, size_t line_no,
                const Carried& carried, size_t max_claims, ClaimScan* scan) {
  size_t s = a, e = b;
  while (s < e && is_space(line[s])) ++s;
  while (e > s && is_space(line[e - 1])) --e;
  const bool tight_before = s == a && a > 0, tight_after = e == b && b < line.size();
  // A bracketed note after the claim is prose ("= 43 (so close)", "= 21 (target)"), unless its
  // first word continues the arithmetic ("= 3 (mod 7)", "(x+1)"). A note of cut arithmetic
  // ("= 33 (remainder 1)", "= 2 (not 2.67)") lets a division before it be cut (note_cut). A
  // hedge makes the claim an estimate ("= 40 (approximately)": 6*7 ≈ 40).
  bool note_after = false, hedged = false;
  Claim::Cut cut = Claim::Cut::None;
  if (e - s >= 2 && e == b && line[e - 1] == '(' && is_space(line[e - 2]) && b < line.size() &&
      ascii_letter(line[b])) {
    const size_t we = word_end(line, b);
    const std::string_view word = line.substr(b, we - b);
    if ((word.size() >= 2 || letter_opens_prose(line, we)) &&
        !(bracket_math_word(word) && continues_arithmetic(line, word, we)) &&
        (we == line.size() || line[we] != '(')) {
      note_after = true;
      hedged = hedge_word(word);
      cut = note_cut(line, b);
      for (--e; e > s && is_space(line[e - 1]);) --e;
    }
  } else if (const size_t open = number_note_open(line, s, e, b); open != std::string_view::npos) {
    note_after = true;
    cut = note_cut(line, open + 1);
    for (e = open; e > s && is_space(line[e - 1]);) --e;
  }
  if (const size_t op = operator_before_prose(line, s, e, b); op != std::string_view::npos) {
    note_after = true;  // "= 43 - done": the dash is punctuation
    for (e = op; e > s && is_space(line[e - 1]);) --e;
  }
  // Markdown bold and italics and sentence punctuation are not part of the arithmetic.
  if (e - s >= 2 && line.substr(s, 2) == "**") s += 2;
  if (e - s >= 2 && line.substr(e - 2, 2) == "**") e -= 2;
  if (e - s >= 3 && line[s] == '*' && line[e - 1] == '*' && (s == 0 || is_space(line[s - 1])) &&
      (e == line.size() || !claim_char(line[e]))) {
    ++s;  // "*6*7 = 43*"
    --e;
  }
  while (e > s && (line[e - 1] == '.' || line[e - 1] == ',')) --e;
  while (s < e && is_space(line[s])) ++s;
  while (e > s && is_space(line[e - 1])) --e;
  // A relation at either end has a variable or prose on its other side ("x = 6-6 = 0",
  // "Total = 6*6 = 36"): the rest may still be a claim, whatever borders it.
  size_t w;
  Relation leading = Relation::Equal;
  const size_t leading_at = s, stretch_end = e;
  const bool open_before = starts_with_relation(line.substr(s, e - s), &w, &leading);
  if (open_before) s += w;
  // The continuation line of a claim split across lines.
  const bool continues =
      !carried.side.empty() && open_before != carried.open && a == 0 && b == line.size();
  const bool open_after = e > s && ends_with_relation(line.substr(s, e - s), &w);
  if (open_after) e -= w;
  const int judged = open_after ? 0 : truth_suffix(line, b);  // "1 == 0 is False"
  // "= 21!" ending a sentence: an exclamation or a factorial (Claim::bang); "4! = 24" and
  // "4!/2 = 12" are neither read nor cut there.
  // The first thing after the '!' (past spaces) is no operator: "12 = 3! * 2!", "144 = 4! \cdot
  // 3!" and "20 = 6!/(3!3!)" have factorials inside their sides (reviews).
  const bool bang = [&] {
    if (open_after || !tight_after || line[b] != '!' || e <= s || !ascii_digit(line[e - 1]))
      return false;
    size_t k = b + 1;
    while (k < line.size() && is_space(line[k])) ++k;
    if (k == line.size()) return true;
    const char c = line[k];
    // Markdown bold closing ("**6*7 = 43!**") is no power ("4!**2").
    if (line.substr(k, 2) == "**" &&
        (k + 2 == line.size() || !(ascii_digit(line[k + 2]) || line[k + 2] == '(')))
      return true;
    if (ascii_digit(c) || std::string_view("(=+-*/^%\\").find(c) != std::string_view::npos)
      return false;
    if (c == 'x' && (k + 1 == line.size() || is_space(line[k + 1]) || ascii_digit(line[k + 1])))
      return false;  // "48 = 4! x 2"
    for (std::string_view sign : kOperatorSigns)
      if (line.substr(k, sign.size()) == sign) return false;  // "12 = 3! × 2!"
    return k > b + 1 || !ascii_letter(c);                     // glued to a letter: part of a word
  }();
  // A claim in brackets of its own is bordered by them: "There are 43 apples (6*7 = 43)." is
  // no "3 groups of 4 = 12" joined across the words.
  const bool bracketed =
      wrapped_in_brackets(trim(line.substr(leading_at, stretch_end - leading_at)));
  if (!bracketed && !open_before && a > 0 && not_a_claim_border(line, a - 1, true, tight_before))
    return true;
  // A math delimiter does not part a claim from a word before it that operates: "Half of $8 =
  // 4$", "\(3\) groups of \(4 = 12\)" hold no claim, as "Half of 8 = 4" does not (a review).
  if (!open_before) {
    size_t k = a;
    while (k > 0 && is_space(line[k - 1])) --k;
    if (k > 0 && line[k - 1] == '$') {
      size_t m = k - 1;
      while (m > 0 && (is_space(line[m - 1]) || line[m - 1] == '$')) --m;
      size_t w = m;
      while (w > 0 && ascii_letter(line[w - 1])) --w;
      const std::string word = lower_word(line.substr(w, m - w));
      if (word != "and" && continuing_word(word) && operates_here(line, w, word)) return true;
    }
  }
  if (!bracketed && !bang && !open_after && judged == 0 && !note_after && b < line.size() &&
      not_a_claim_border(line, b, false, tight_after))
    return true;
  const std::string_view stretch = trim(line.substr(s, e - s));
  const std::optional<std::string_view> kept = balanced(stretch);
  if (!kept) return true;
  const std::string_view claim = *kept;
  if (starts_with_binary_operator(claim) || ends_with_operator(claim)) return true;
  // A line that is all arithmetic is a claim however it is written (a side the checker cannot
  // read is a malformed claim, which is not true); inside a sentence, only readable sides make
  // a claim ("17 // 5 = 3" in Python, "(1, 2) + (3, 4) = (4, 6)").
  const bool whole_line = stretch.data() == line.data() && stretch.size() == line.size();

  // Split the chain at its relations; every side must hold a number ("= 12" lines that
  // continue nothing are skipped). rels[k] is the relation between sides k and k + 1.
  std::vector<std::string_view> sides;
  std::vector<Relation> rels;
  std::vector<size_t> relation;  // where relation k starts in `text`
  if (continues) {
    sides.push_back(carried.side);
    rels.push_back(carried.open ? carried.rel : leading);
    relation.push_back(carried.open ? carried.rel_at
                                    : static_cast<size_t>(line.data() - text.data()) + leading_at);
  }
  size_t s0 = 0;
  for (size_t i = 0; i < claim.size(); ++i) {
    Relation rel;
    const size_t width = relation_at(claim, i, &rel);
    if (width == 0) continue;
    sides.push_back(trim(claim.substr(s0, i - s0)));
    rels.push_back(rel);
    relation.push_back(static_cast<size_t>(claim.data() - text.data()) + i);
    i += width - 1;
    s0 = i + 1;
  }
  sides.push_back(trim(claim.substr(s0)));
  if (sides.size() < 2) return true;
  // "120 = 5 * 4!" has a factorial inside its side: no claim. A lone number that is not a
  // whole one ("= 43.5!", "= -43!") has no factorial: an exclamation.
  const std::string_view last = sides.back();
  const bool lone_number =
      !last.empty() && std::all_of(last.begin() + (last[0] == '-' ? 1 : 0), last.end(),
                                   [](char c) { return ascii_digit(c) || c == '.'; });
  if (bang && !lone_number) return true;
  for (auto sd : sides)
    if (!has_digit(sd) || (!whole_line && !continues && !parses(sd))) return true;
  if (hedged && rels.back() == Relation::Equal) rels.back() = Relation::Approx;
  if (judged < 0) {  // "a == b is False" claims a != b
    if (sides.size() != 2 || rels[0] == Relation::Approx) return true;
    rels[0] = rels[0] == Relation::Equal ? Relation::Unequal : Relation::Equal;
  }
  for (size_t k = 0; k + 1 < sides.size(); ++k) {
    if (scan->claims.size() >= max_claims) {
      scan->truncated = true;
      return false;
    }
    const std::string_view rhs = sides[k + 1];
    // An estimate's right side is a rounded number; "6.9*7.2 ≈ 7*7" estimates by rounding the
    // operands, which states no value to check.
    if (rels[k] == Relation::Approx && !rounding_place(rhs, true)) continue;
    Claim c{line_no,
            single_spaced(sides[k]),
            single_spaced(rhs),
            rels[k] == Relation::Unequal,
            relation[k],
            static_cast<size_t>(rhs.data() - text.data()) + rhs.size()};
    c.approx = rels[k] == Relation::Approx;
    c.bang = bang && k + 2 == sides.size();
    if (k + 2 == sides.size() && rels[k] == Relation::Equal &&
        sides[k].find('/') != std::string_view::npos)
      c.cut = cut;
    scan->claims.push_back(std::move(c));
  }
  return true;
}

}  // namespace

namespace {
ClaimScan scan_claims(std::string_view text, size_t max_claims, size_t max_stretch);
}  // namespace

ClaimScan find_claims(std::string_view original, size_t max_claims, size_t max_stretch) {
  // Unicode spaces and invisible characters first (what they would hide from the rewrites is
  // seen by them), then other notations in the grammar's own, byte for byte in place
  // (claim_notation.h); spans are given back in the original's bytes.
  std::vector<size_t> origin;
  const std::string spaced = visible_spacing(original, &origin);
  ClaimScan scan = scan_claims(plain_claim_notation(spaced), max_claims, max_stretch);
  for (Claim& c : scan.claims) {
    c.relation_begin = origin[c.relation_begin];
    c.rhs_end = c.rhs_end > 0 ? origin[c.rhs_end - 1] + 1 : 0;
  }
  return scan;
}

namespace {

ClaimScan scan_claims(std::string_view rewritten, size_t max_claims, size_t max_stretch) {
  ClaimScan scan;
  const std::string_view text = rewritten;
  size_t line_no = 0;
  size_t start = 0;
  Carried carried;  // the end of the line before, when it was all arithmetic
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    const Carried before = carried;
    carried = Carried{};
    // List markers are not part of the arithmetic: "- ", "* ", "1. ", "2) ", "(2) ".
    if (line.size() >= 2 && (line[0] == '-' || line[0] == '*') && line[1] == ' ') {
      line = trim(line.substr(2));
    } else {
      const size_t open = !line.empty() && line[0] == '(' ? 1 : 0;
      size_t d = open;
      while (d < line.size() && line[d] >= '0' && line[d] <= '9') ++d;
      if (d > open && d + 1 < line.size() &&
          (open ? line[d] == ')' : line[d] == '.' || line[d] == ')') && line[d + 1] == ' ')
        line = trim(line.substr(d + 2));
    }
    if (line.find('=') == std::string_view::npos &&
        line.find(kNotEqualSign) == std::string_view::npos &&
        line.find(kApproxSign) == std::string_view::npos && !before.open) {
      carried = arithmetic_tail(text, line, max_stretch);
      if (end == text.size()) break;
      continue;
    }
    // Every stretch of claim bytes, cut at ", " outside brackets (a list: "2+2 = 4, 3+3 = 6";
    // thousands separators have no space after them), at the ". " that ends a sentence ("Done. 3
    // * 4 = 13", "= 12. 12 + 1 = 13"; not an ellipsis "+ ... 10" or a dot for times "2 . 3")
    // and at anything else.
    const auto sentence_end = [&](size_t i) {
      return line[i] == '.' && i > 0 && line[i - 1] != '.' && !is_space(line[i - 1]) &&
             i + 1 < line.size() && is_space(line[i + 1]);
    };
    // A list inside brackets that hold a relation is a list too ("So (3*4 = 12, 6*7 = 43) and
    // done.", "42 (6*7 = 43, 3*4 = 12)", "((...))", "(1, 6*7 = 43)"): read whole, the comma made
    // the claims malformed, or in a sentence none at all, so a false one hid beside true ones.
    // At such a comma the text before the outermost such bracket is a stretch of its own
    // ("6*7 = 43 (1, 1 = 1)"), the part from the bracket is another, and the last part ends at
    // the bracket's ')' ("(3*4 = 12, 1+1 = 2) 6*7 = 43"); `balanced` drops the brackets each
    // part keeps.
    const auto holds_relation = [&](size_t open) {  // between '(' at `open` and its ')'
      int d = 0;
      Relation rel;
      for (size_t k = open; k < line.size() && k - open <= max_stretch; ++k) {
        d += line[k] == '(' ? 1 : line[k] == ')' ? -1 : 0;
        if (d == 0) return false;
        if (relation_at(line, k, &rel) > 0) return true;
      }
      return false;
    };
    // The stretch [from, to) read as if the line began at `lo` and ended at `upto`: a list's
    // brackets are borders ("43 (1, ...)" and "(...) 6*7" are no products).
    const auto read = [&](size_t from, size_t to, size_t lo, size_t upto) {
      return !(to > from && to - from <= max_stretch) ||
             add_claims(text, line.substr(lo, upto - lo), from - lo, to - lo, line_no, before,
                        max_claims, &scan);
    };
    size_t inside = 0;  // brackets a cut list left open: the parts after the cut sit inside them
    // Where the text after a cut list's closing bracket starts (npos: no list closed yet).
    size_t after_list = std::string_view::npos;
    const auto after_a_list = [&](size_t a) {
      return after_list != std::string_view::npos && after_list <= a;
    };
    for (size_t i = 0; i < line.size();) {
      size_t a = i;
      int depth = 0;
      std::vector<std::pair<size_t, bool>> open;  // each open bracket: where, and holds a relation
      while (i < line.size()) {
        if (line[i] == ',' && i + 1 < line.size() && is_space(line[i + 1])) {
          if (depth <= 0) break;
          if (!open.empty() && open.back().second) {
            size_t k = 0;
            while (!open[k].second) ++k;
            size_t from = open[k].first;  // the bracket, with the spaces before it
            while (from > a && is_space(line[from - 1])) --from;
            if (from > a && !read(a, from, after_a_list(a) ? after_list : 0, from)) return scan;
            a = from;
            inside = open.size() - k;
            break;
          }
        }
        if (depth <= 0 && sentence_end(i)) break;
        const size_t w = claim_token_at(line, i);
        if (w == 0) break;
        if (line[i] == ')' && depth <= 0 && inside > 0) {  // closes a bracket a cut left open
          ++i;
          if (--inside > 0) continue;
          while (i < line.size() && is_space(line[i])) ++i;  // as a stretch ends: spaces kept
          after_list = i;
          break;
        }
        if (line[i] == '(') open.emplace_back(i, holds_relation(i));
        if (line[i] == ')' && !open.empty()) open.pop_back();
        depth += line[i] == '(' ? 1 : line[i] == ')' ? -1 : 0;
        i += w;
      }
      // Right after a list, words with no number ("(1, 1 = 1) and 6*7 = 43") join nothing to it
      // (a stretch that follows a space; not "f(3) = 9", whose bracket calls the word).
      size_t lo = after_a_list(a) ? after_list : 0;
      if (after_a_list(a) && (a == after_list || is_space(line[a]) || is_space(line[a - 1])) &&
          only_joining_words(line.substr(after_list, a - after_list)))
        lo = a;
      if (!read(a, i, lo, line.size())) return scan;
      if (i == a) ++i;  // a byte no claim holds
      else if (i < line.size() && (line[i] == ',' || line[i] == '.'))
        ++i;
    }
    carried = arithmetic_tail(text, line, max_stretch);
    if (end == text.size()) break;
  }
  return scan;
}

ClaimCheck check_equality(const Claim& claim) {
  ClaimCheck out;
  const PlainParseOptions po = claim_parse_options();
  ParsedExpr l = parse_plain(claim.lhs, po), r = parse_plain(claim.rhs, po);
  if (!l.ok() || !r.ok()) return out;  // Malformed
  ExactResult lv = eval_exact(l.tree, l.root), rv = eval_exact(r.tree, r.root);
  if (lv.status == ExactStatus::DivisionByZero || rv.status == ExactStatus::DivisionByZero) {
    out.truth = ClaimTruth::DivisionByZero;
    return out;
  }
  if (lv.status == ExactStatus::TooLarge || rv.status == ExactStatus::TooLarge) {
    out.truth = ClaimTruth::TooLarge;
    return out;
  }
  if (lv.ok() && rv.ok()) {
    out.lhs_value = snippet(to_string(lv.value), 80);
    out.rhs_value = snippet(to_string(rv.value), 80);
    if (lv.value == rv.value) {
      out.truth = ClaimTruth::True;
      return out;
    }
    // "22/7 = 3.14": a decimal on the right is the left side rounded to its own places. Only
    // on the right, where a result is written: "3.1 = 3.14" would gain the digit it claims.
    if (const std::optional<int> place = rounding_place(claim.rhs, claim.approx)) {
      BigRational diff = lv.value - rv.value;
      if (diff < 0) diff = -diff;
      const BigRational unit = place_unit(*place);
      // Rounded to nearest; an estimate may also be cut toward zero ("2/3 ≈ 0.66"): the right
      // side lies within one unit, on the zero side of the left.
      const bool toward_zero = lv.value >= 0 ? rv.value <= lv.value && rv.value >= 0
                                             : rv.value >= lv.value && rv.value <= 0;
      if (diff * 2 <= unit || (claim.approx && toward_zero && diff < unit)) {
        out.truth = ClaimTruth::Rounded;
        return out;
      }
    }
    // A cut division ("100/3 = 33 (remainder 1)", "2/3 = 0.66 (to 2 places)", "50/8 = 7
    // (rounding up)"): the right side is the left cut down at the right side's last place, or
    // up where the note says so. Nothing else is cut: "7*3 = 43 (not 21)" stays false.
    if (claim.cut != Claim::Cut::None) {
      const std::optional<int> place = rounding_place(claim.rhs, false);
      if (place || boost::multiprecision::denominator(rv.value) == 1) {
        const BigRational unit = place_unit(place.value_or(0));
        const bool down = rv.value <= lv.value && lv.value < rv.value + unit;
        const bool up = rv.value - unit < lv.value && lv.value <= rv.value;
        if (down || (claim.cut == Claim::Cut::DownOrUp && up)) {
          out.truth = ClaimTruth::Rounded;
          return out;
        }
      }
    }
    out.truth = ClaimTruth::False;
    return out;
  }
  // Irrational parts (2^0.5): ball arithmetic, so tiny and huge values keep their size and a
  // claim the doubles cannot decide is not true.
  Ball a = eval_ball(l.tree, l.root, eval_exact_nodes(l.tree, l.root));
  Ball b = eval_ball(r.tree, r.root, eval_exact_nodes(r.tree, r.root));
  out.lhs_value = describe(a);
  out.rhs_value = describe(b);
  out.truth = ClaimTruth::False;
  if (compare_balls(a, b, 1e-9) == BallOrder::Equal) {
    out.truth = ClaimTruth::True;
  } else if (const std::optional<int> place = rounding_place(claim.rhs, claim.approx)) {
    // "2^0.5 = 1.414" rounds to nearest; an estimate may also cut toward zero ("2^0.5 ≈ 1.41").
    const double unit = std::pow(10.0, *place), x = a.to_double(), y = b.to_double();
    const bool cut =
        claim.approx && within(a, b, unit) && (x >= 0 ? y >= 0 && y <= x : y <= 0 && y >= x);
    if (within(a, b, 0.5 * unit * (1 + 1e-12)) || cut) out.truth = ClaimTruth::Rounded;
  }
  return out;
}

}  // namespace

ClaimCheck check_claim(const Claim& claim) {
  ClaimCheck out = check_equality(claim);
  if (claim.bang && !claim.unequal && out.truth == ClaimTruth::False) {
    // The factorial reading, for a right side of a small whole number (30! has 33 digits).
    // A sign before it: "-6 = -3!" is -(3!).
    const bool minus = !claim.rhs.empty() && claim.rhs[0] == '-';
    const std::string_view n = std::string_view(claim.rhs).substr(minus ? 1 : 0);
    if (!n.empty() && n.size() <= 2 && std::all_of(n.begin(), n.end(), ascii_digit) &&
        std::stoi(std::string(n)) <= 30) {
      Claim factorial = claim;
      factorial.bang = false;
      factorial.rhs = minus ? "-(1" : "1";
      for (int k = 2; k <= std::stoi(std::string(n)); ++k) factorial.rhs += "*" + std::to_string(k);
      if (minus) factorial.rhs += ")";
      const ClaimCheck f = check_equality(factorial);
      if (f.truth == ClaimTruth::True) return f;
    }
    return out;
  }
  if (!claim.unequal) return out;
  // "a != b": true when the values differ. Equal within rounding is not different.
  if (out.truth == ClaimTruth::False)
    out.truth = ClaimTruth::True;
  else if (out.truth == ClaimTruth::True || out.truth == ClaimTruth::Rounded)
    out.truth = ClaimTruth::False;
  return out;
}

}  // namespace r1
