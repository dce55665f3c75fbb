// How a task's answer must be written, beside what it must equal: `answer_form` in the task's
// meta, set by generated families whose prompt holds an expression that already equals the
// answer. "Compute 47+38." is not answered by "47+38", nor "Compute 3/4 + 5/6." by "38/24":
// the value is right and nothing was computed. Without the field (datasets), any spelling of
// the right value counts, as before.
//
//   integer  an integer literal: "85", "-12"
//   reduced  an integer, a fraction of integers in lowest terms ("3/4", "-5/2", "\frac{3}{4}",
//            "-\frac{5}{2}", "\frac{-5}{2}", "\frac34"; not "6/8", "4/2" or "5/1"), or a decimal
//            literal ("0.75", ".5", "1.5\times10^{3}"); brackets around one are fine ("(18)")
//
//   any      any spelling of the right value (as without the field)
//
// Read on the answer as the math verifier normalises it (docs/verifiers.md): "$85$", "x = 85"
// and "\boxed{85}" are "85"; "1.5e3" becomes "1.5*10^3", a literal for `reduced` only.
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "tasks/task.h"

namespace r1 {

enum class AnswerForm { Any, Integer, Reduced };

// The task's form (Any without the field); an unknown name is an error naming it (the gold is
// then unusable).
AnswerForm answer_form_of(const Task& task);
const char* answer_form_name(AnswerForm form);

// Whether a normalised answer is written in `form` (Any: always).
bool written_in_form(std::string_view normalized, AnswerForm form);

// Whether a normalised answer of the right value states the question back rather than answers
// it, on any task (datasets have no answer_form):
//   - it is spelt as one of the prompt's math spans ($…$, \(…\), \[…\]), normalised the same
//     way: "Simplify $\sqrt{242}$." answered "\sqrt{242}", "Express $\frac{57}{160}$ as a
//     decimal." answered "\frac{57}{160}". A literal of the gold's kind (integer, decimal,
//     fraction) is exempt: it may be the option a question asks to choose ("Which is larger,
//     $\frac34$ or $\frac23$?");
//   - or the gold is a literal (an integer, a decimal, a reduced fraction: the `reduced` form)
//     and the answer is not, and every number in it is one of the prompt's: "Compute
//     $\dbinom{31}{28}$." answered "\binom{31}{28}", "Find $99^2+99+1$." answered
//     "1+99+99^2". An answer with a number of its own ("9 * 2 = 18") is worked out;
//   - or it holds one of the prompt's expressions (not a literal) up to brackets and braces,
//     with only identities around it ("(\sqrt{242})", "99^2+99+1+0", "\sqrt{242}\cdot 1") or,
//     when the gold is a literal, with anything around it ("\binom{31}{28}\cdot 2/2");
//   - or it holds one, with a digit in it, whose own value is the gold's, whatever is around it
//     ("2\sqrt{242}/2" for 11\sqrt{2}): what surrounds it gives back what it was handed.
//     `equals_gold` (a raw span -> whether its value is the gold's) decides; without it this
//     case is not looked for. A span that is a symbol ("\pi") is no computation to restate.
// The math verifier asks only when the answer is not the gold's own spelling.
bool restates_prompt(std::string_view prompt, std::string_view normalized,
                     std::string_view gold_normalized,
                     const std::function<bool(std::string_view)>& equals_gold = {});

}  // namespace r1
