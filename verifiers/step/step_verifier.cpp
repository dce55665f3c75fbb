#include "verifiers/step/step_verifier.h"

#include "verifiers/format/format_check.h"
#include "verifiers/step/claims.h"

namespace r1 {

namespace {

class StepVerifier : public Verifier {
 public:
  StepVerifier(TagNames tags, size_t max_claims, bool fraction)
      : tags_(std::move(tags)),
        max_claims_(max_claims),
        fraction_(fraction),
        format_(FormatSpec{tags_, "", false}) {}

  std::string name() const override { return "step"; }

  Verdict verify(const Task&, const std::string& completion) override {
    Verdict v;
    v.format_ok = format_.check(completion).ok;
    auto think = think_block(completion, tags_);
    if (!think) {
      v.reason = "no_think";
      v.details["claims"] = 0;
      return v;
    }
    ClaimScan scan = find_claims(*think, max_claims_);
    size_t total = scan.claims.size(), good = 0;
    json wrong = json::array(), spans = json::array();
    const size_t at = static_cast<size_t>(think->data() - completion.data());
    for (const Claim& c : scan.claims) {
      ClaimCheck k = check_claim(c);
      if (k.ok()) {
        ++good;
        continue;
      }
      spans.push_back({at + c.relation_begin, at + c.rhs_end});
      if (wrong.size() < 10) {
        json w = {{"line", c.line},
                  {"claim", snippet(c.text(), 120)},
                  {"why", claim_truth_name(k.truth)}};
        if (!k.lhs_value.empty()) w["lhs_value"] = k.lhs_value;
        if (!k.rhs_value.empty()) w["rhs_value"] = k.rhs_value;
        wrong.push_back(std::move(w));
      }
    }
    v.details["claims"] = total;
    v.details["true_claims"] = good;
    if (scan.truncated) v.details["truncated_at"] = max_claims_;
    if (total == 0) {
      v.reason = "no_claims";
      return v;
    }
    v.correct = good == total;
    v.score = fraction_ ? static_cast<double>(good) / static_cast<double>(total)
                        : (v.correct ? 1.0 : 0.0);
    v.reason = v.correct ? "ok" : "false_claims";
    if (!wrong.empty()) v.details["false_claims"] = std::move(wrong);
    if (!spans.empty()) v.details[kWrongSpans] = std::move(spans);
    return v;
  }

 private:
  TagNames tags_;
  size_t max_claims_;
  bool fraction_;  // "score": "fraction" (true / all) rather than all_true (1 or 0)
  FormatChecker format_;
};

}  // namespace

std::unique_ptr<Verifier> make_step_verifier(const json& options) {
  JsonReader r(options, "step verifier options");
  TagNames tags = TagNames::from_options(r);
  int64_t max_claims = r.get<int64_t>("max_claims", 2000);
  r.check(max_claims >= 1 && max_claims <= 1000000, "max_claims", "must be in [1, 1000000]");
  const std::string score = r.get<std::string>("score", "all_true");
  r.check(score == "all_true" || score == "fraction", "score",
          "must be all_true (1 when every claim is true, else 0) or fraction (true claims / "
          "claims)");
  r.done();
  return std::make_unique<StepVerifier>(std::move(tags), static_cast<size_t>(max_claims),
                                        score == "fraction");
}

}  // namespace r1
