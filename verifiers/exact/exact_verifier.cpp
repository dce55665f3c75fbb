#include "verifiers/exact/exact_verifier.h"

#include <algorithm>

#include "verifiers/format/format_check.h"

namespace r1 {

namespace {

class ExactVerifier : public Verifier {
 public:
  explicit ExactVerifier(TagNames tags)
      : tags_(std::move(tags)), format_(FormatSpec{tags_, "", false}) {}

  std::string name() const override { return "exact"; }

  Verdict verify(const Task& task, const std::string& completion) override {
    Verdict v;
    v.format_ok = format_.check(completion).ok;
    auto block = answer_block(completion, tags_);
    if (!block) {
      v.reason = "no_answer";
      return v;
    }
    std::string_view got = trim(*block);
    std::string_view want = trim(task.answer);
    v.details[kAnswerKey] = answer_key_of(got);
    if (got == want) {
      v.correct = true;
      v.score = 1.0;
      v.reason = "ok";
      return v;
    }
    v.reason = "mismatch";
    size_t n = std::min(got.size(), want.size());
    size_t at = 0;
    while (at < n && got[at] == want[at]) ++at;
    size_t line = 1 + std::count(want.begin(), want.begin() + at, '\n');
    size_t from = at > 20 ? at - 20 : 0;
    v.details["first_difference"] = at;
    v.details["line"] = line;
    v.details["expected_length"] = want.size();
    v.details["got_length"] = got.size();
    v.details["expected_near"] = snippet(want.substr(from, 60), 60);
    v.details["got_near"] = snippet(got.substr(std::min(from, got.size()), 60), 60);
    if (at == n)
      v.details["note"] = got.size() < want.size() ? "answer is a prefix of the expected output"
                                                   : "expected output is a prefix of the answer";
    return v;
  }

 private:
  TagNames tags_;
  FormatChecker format_;
};

}  // namespace

std::unique_ptr<Verifier> make_exact_verifier(const json& options) {
  JsonReader r(options, "exact verifier options");
  TagNames tags = TagNames::from_options(r);
  r.done();
  return std::make_unique<ExactVerifier>(std::move(tags));
}

}  // namespace r1
