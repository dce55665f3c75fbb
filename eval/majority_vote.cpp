#include "eval/majority_vote.h"

#include <optional>

#include "verifiers/completion.h"
#include "verifiers/math/compare.h"
#include "verifiers/math/extract.h"
#include "verifiers/math/normalize.h"
#include "verifiers/math/value.h"

namespace r1 {

namespace {

struct Ballot {
  std::string text;                // normalised answer text
  std::optional<MathValue> value;  // math tasks: the parsed value
  bool correct = false;
};

bool same_answer(const Task& task, const Ballot& a, const Ballot& b) {
  if (task.verifier == "math") {
    if (a.value && b.value) return compare_values(*a.value, *b.value, CompareOptions::defaults()).equal;
    return text_key(a.text) == text_key(b.text);
  }
  if (a.correct || b.correct) return a.correct && b.correct;
  return a.text == b.text;
}

}  // namespace

VoteResult majority_vote(const Task& task, const std::vector<VoteInput>& samples) {
  std::vector<Ballot> ballots;
  for (const auto& s : samples) {
    ExtractedAnswer e = extract_answer(s.completion);
    if (e.source == AnswerSource::None || trim(e.text).empty()) continue;  // abstains
    Ballot b;
    b.text = normalize_answer(e.text);
    b.correct = s.correct;
    if (task.verifier == "math") b.value = parse_math_value(b.text).value;
    ballots.push_back(std::move(b));
  }
  // Classes in order of first appearance; each ballot joins the first class it matches.
  std::vector<std::vector<int>> classes;
  for (int i = 0; i < static_cast<int>(ballots.size()); ++i) {
    bool placed = false;
    for (auto& c : classes) {
      if (same_answer(task, ballots[c.front()], ballots[i])) {
        c.push_back(i);
        placed = true;
        break;
      }
    }
    if (!placed) classes.push_back({i});
  }
  VoteResult r;
  const std::vector<int>* best = nullptr;
  for (const auto& c : classes) {
    if (!best || c.size() > best->size()) best = &c;
  }
  if (!best) return r;
  r.votes = static_cast<int>(best->size());
  r.answer = ballots[best->front()].text;
  // Members of a class are equivalent; the class is correct when its members are.
  int correct = 0;
  for (int i : *best) correct += ballots[i].correct;
  r.correct = 2 * correct > static_cast<int>(best->size());
  return r;
}

}  // namespace r1
