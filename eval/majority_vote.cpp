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
  std::string key;                 // the verifier's answer key, or the normalised answer text
  std::optional<MathValue> value;  // math tasks: the key's value
  bool correct = false;
};

bool same_answer(const Task& task, const Ballot& a, const Ballot& b) {
  if (a.correct || b.correct) return a.correct && b.correct;
  if (task.verifier == "math") {
    if (a.value && b.value) return compare_values(*a.value, *b.value, CompareOptions::defaults()).equal;
    return text_key(a.key) == text_key(b.key);
  }
  return a.key == b.key;
}

}  // namespace

VoteResult majority_vote(const Task& task, const std::vector<VoteInput>& samples) {
  std::vector<Ballot> ballots;
  for (const auto& s : samples) {
    if (s.verifier_error) continue;  // nothing read the answer: abstains
    Ballot b;
    b.correct = s.correct;
    if (s.answer_key) {
      if (trim(*s.answer_key).empty()) continue;  // an empty answer abstains
      b.key = *s.answer_key;
    } else {
      ExtractedAnswer e = extract_answer(s.completion);
      if (e.source == AnswerSource::None || trim(e.text).empty()) continue;  // abstains
      b.key = normalize_answer(e.text);
    }
    if (task.verifier == "math" && !b.correct) b.value = parse_math_value(b.key).value;
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
  r.answer = ballots[best->front()].key;
  r.correct = ballots[best->front()].correct;  // a class is all correct or all wrong
  return r;
}

}  // namespace r1
