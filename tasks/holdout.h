// Problems that training must never see: every task of some suites (tasks/suite.h), the ones a
// run is evaluated on. A generated family's small problem space means that a suite drawn with
// a seed of its own still shares problems with a long training stream (countdown with two
// numbers has ~1,200); the task source and the SFT data skip every task that is the same
// problem as one held out, so "held out" means "never trained on", not "another seed".
//
// Two tasks are the same problem when their generator's problem_key() is equal (countdown:
// the same numbers in any order and the same target; arith: the same expression up to the order
// of a sum's or product's terms; fraction and linear likewise (docs/eval.md has the table); pyfunc:
// the same function to write, whatever examples it shows), when they are program tasks on the same
// program (self-play's and pyplay's, program_problem_key() in tasks/selfplay/selfplay_tasks.h,
// whatever family made them), or when their prompts are equal up to whitespace (prompt_key()),
// whatever their family or dataset. A task in words (a dataset's, an SFT line's; not a program
// task, whose text is code) is also held out when its text (problem_text_key(): case, spacing,
// LaTeX's spacing, delimiters, braces and escapes, typographic quotes and dashes, the end's
// punctuation aside) is a held-out problem's (a dataset's, or a generated suite's prompt), after a
// label ("Question: ") or with nothing around it, or holds one of 8 or more such characters whole,
// at the bounds of words and numbers (a chat template around it, an instruction after it). A
// task of a generated family is matched by its problem keys instead.
//
// A training task is held out when any problem it shows or trains on is held out, not only the
// one it poses (TaskGenerator::problem_keys, meta.problem_keys): a pyplay proposal shows its
// references' programs and two pairs of each, a pyfunc task shows two cases of its function, a
// deduction or abduction shows its program and trains the output (or input) that the other kind
// on the same pair asks about. A leak audit found 30 of 150 held-out template deduction pairs,
// and answers to 88 of 150 abduction tasks, in the prompts of the self-play comparison's
// cold-start data when only the posed problem was checked.
#pragma once
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "tasks/generator.h"
#include "tasks/task.h"

namespace r1 {

// A prompt as the holdout compares texts in words: LaTeX's spacing commands, `$`, braces,
// `\(`, `\)`, `\[`, `\]`, `\left`, `\right`, `\displaystyle`, `\text` and markdown's `**` dropped,
// escapes (`\$`, `\%`) read as their character, `\dfrac` as `\frac` (and a few other spellings
// as one), typographic quotes, dashes and Unicode spaces as ASCII, letters in lower case, and
// whitespace kept only as one space between two letters or digits: "Question:  What is
// $2 + 2$?" is "question:what is 2+2?".
std::string problem_text_key(const std::string& prompt);

class Holdout {
 public:
  Holdout() = default;
  // The tasks of `suites` (eval's --tasks syntax, e.g. "countdown:level=2:n=500:seed=9002");
  // "" holds out nothing. Throws naming the suite when one cannot be read.
  explicit Holdout(const std::string& suites);

  bool empty() const { return problems_.empty() && prompts_.empty(); }
  size_t tasks() const { return tasks_; }  // tasks read from the suites
  const std::string& suites() const { return suites_; }

  // True when `task` shows or poses a held-out problem. `gen` is the generator of the task's
  // family (for its problem_keys), or null for a dataset's or self-play's task (then its program
  // key and meta.problem_keys).
  bool contains(const Task& task, const TaskGenerator* gen) const;
  // True when a problem key (a generator's problem_key, or program_problem_key's) is held out.
  bool contains_key(const std::string& key) const {
    return !key.empty() && problems_.count(key) > 0;
  }

  // Draws in a row that may be held out before a stream gives up (the holdout covers what it
  // can draw): the task source and the SFT examples fail with a message then, not hang.
  static constexpr uint64_t kMaxInARow = 100000;

 private:
  std::string suites_;
  size_t tasks_ = 0;
  std::unordered_set<std::string> problems_;  // problem_key of generated suites' tasks
  std::unordered_set<std::string> hashes_;    // problem_key_hash of each of them
  std::unordered_set<std::string> prompts_;   // prompt_key of every held-out task
  std::unordered_set<std::string> texts_;     // problem_text_key of every held-out problem
  // Texts found inside a longer prompt by the hash of the `window` characters in their middle
  // (a rolling hash over the prompt's windows; a template's text, which many prompts share at
  // their start or end, would give a window that holds it every one of them to compare): one
  // index for texts of 32 or more characters, one for those of 8 to 31. Shorter ones must be
  // the whole prompt, or follow a label.
  struct HeldText {
    std::string key;
    size_t anchor;  // where its hashed window starts
  };
  struct Contained {
    size_t window;
    std::unordered_multimap<uint64_t, HeldText> texts;
  };
  std::array<Contained, 2> contained_{{{32, {}}, {8, {}}}};
  void add_texts(const Task& task);
  void add_text(const std::string& prompt);
  static bool holds(const Contained& index, const std::string& key);
  bool holds_text(const std::string& key) const;  // one of texts_ is key, or is found in it
};

}  // namespace r1
