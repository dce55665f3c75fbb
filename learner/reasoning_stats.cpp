#include "learner/reasoning_stats.h"

#include <string_view>

#include "verifiers/completion.h"
#include "verifiers/step/claims.h"

namespace r1 {

namespace {

// Lines that read "back" (spaces and a trailing '.' aside).
int64_t backtrack_lines(std::string_view text) {
  int64_t n = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(start, end - start));
    if (!line.empty() && line.back() == '.') line.remove_suffix(1);
    if (line == "back") ++n;
    start = end + 1;
  }
  return n;
}

}  // namespace

void ReasoningStats::add(const std::string& completion, bool correct) {
  ++samples_;
  // Claims and backtracks count inside the reasoning, as the step verifier reads it.
  const std::string_view text = think_block(completion, TagNames{}).value_or(std::string_view());
  const int64_t b = backtrack_lines(text);
  backtracks_ += b;
  backtracked_ += b > 0;
  if (correct) (b > 0 ? after_backtrack_ : first_try_)++;
  for (const Claim& c : find_claims(text).claims) {
    ++claims_;
    false_claims_ += !check_claim(c).ok();
  }
}

json ReasoningStats::to_json() const {
  const double n = samples_ > 0 ? static_cast<double>(samples_) : 1.0;
  return {{"backtrack_rate", backtracked_ / n},
          {"backtracks_per_sample", backtracks_ / n},
          {"correct_first_try", first_try_ / n},
          {"correct_after_backtrack", after_backtrack_ / n},
          {"claims_per_sample", claims_ / n},
          {"false_claim_rate",
           claims_ > 0 ? static_cast<double>(false_claims_) / static_cast<double>(claims_) : 0.0}};
}

}  // namespace r1
