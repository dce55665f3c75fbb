// Arithmetic written in other notations, rewritten into the claim grammar (claims.h) before
// claims are found, so that the notation cannot hide a false claim from the step verifier: a
// policy penalised for "6-6 = 2" must not escape by writing "6 – 6 = 2", "6 x 6 = 35",
// "6² = 35", "6 \times 6 = 35" or "\frac{6}{3} = 3".
//
// The rewrite keeps every byte offset: each rewritten piece is padded with spaces to its own
// length, so a claim's span in the rewritten text is its span in the original (the span
// penalty marks the tokens the policy wrote).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace r1 {

// Operator signs outside ASCII that the claim grammar reads: × ÷ · ⋅ − ∗ ∕.
inline constexpr std::string_view kOperatorSigns[] = {
    "\xC3\x97",     "\xC3\xB7",     "\xC2\xB7",    "\xE2\x8B\x85",
    "\xE2\x88\x92", "\xE2\x88\x97", "\xE2\x88\x95"};

// Whether the UTF-8 character `ch` is an emoji, or a check mark or cross (✓ ✔ ✅ ✗ ✘ ❌): a
// mark a statement may end with that is no arithmetic.
bool check_mark_or_emoji(std::string_view ch);

// Same length as `text`. Rewrites:
// - an en dash or figure dash to a minus ("6 – 6" -> "6 - 6"), and a hyphen or an em dash
//   between numbers ("6 — 6");
// - superscript digits after a digit or ')' to a power ("6²" -> "6^2", "10⁻³" -> "10^(-3)");
// - an "x" or "X" between numbers to a product ("6 x 6", "6x6" -> "6*6"; "0x10" is left);
// - a currency sign after an operator or relation to a space ("$17/$8.50 = 2" -> "$17/ 8.50 =
//   2"; a '$' that may open math is left);
// - LaTeX: \times, \cdot, \div, \left( and \right), ^{n}, \approx, \neq and \ne, an alignment
//   "&=", a line-ending "\\", and \frac{a}{b} (also \dfrac, \tfrac; as "((a)/(b))", one
//   factor) and \sqrt{a} when their arguments are plain arithmetic.
// - a relation in words or as an arrow after an expression and before a lone number that ends
//   the statement to '=' ("6*7 is 43", "equals", "is equal to", "gives", "makes", "->", "=>",
//   "→", "⇒", "\to", ...); not before a word ("90 + 30 is 2 hours") or an operator, nor after
//   "is" or "equals" a lone fraction ("2/5 is 12.8": a share) or a range ("pages 2-5 is 4");
// - LaTeX math delimiters \( \) \[ \] and the delimiters of equation environments
//   (\begin{align} ... \end{align}, aligned, equation, gather, split, eqnarray, multline) to
//   spaces; matrices, arrays and cases stay LaTeX.
// find_claims runs visible_spacing() first.
// Anything else is left as it is (a LaTeX argument with a variable or a command stays LaTeX,
// which is not a claim).
std::string plain_claim_notation(std::string_view text);

// Same length as `text`: Unicode spaces (U+00A0, U+2000-U+200A, U+202F, U+205F, U+3000) become
// ASCII spaces, a fullwidth equals sign "=", and invisible characters (U+00AD, U+200B-U+200F,
// U+202A-U+202E, U+2060-U+206F, U+FEFF) leave, their bytes paid as spaces before the next blank
// of the text, so that "6*7 = 4\u200b3" claims 43. Inside such a word bytes move; `origin`
// (when given) gets, for each byte of the result, the offset of the byte of `text` it came from
// (one more entry: text.size()), so that a claim's span can be given in `text`'s bytes.
std::string visible_spacing(std::string_view text, std::vector<size_t>* origin = nullptr);

}  // namespace r1
