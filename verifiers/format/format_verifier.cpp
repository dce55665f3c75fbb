#include "verifiers/format/format_verifier.h"

#include "verifiers/format/format_check.h"

namespace r1 {

namespace {

class FormatVerifier : public Verifier {
 public:
  explicit FormatVerifier(FormatSpec spec) : checker_(std::move(spec)) {}
  std::string name() const override { return "format"; }
  Verdict verify(const Task&, const std::string& completion) override {
    FormatResult f = checker_.check(completion);
    Verdict v;
    v.format_ok = f.ok;
    v.correct = f.ok;
    v.score = f.ok ? 1.0 : 0.0;
    v.reason = f.reason;
    v.details = std::move(f.details);
    return v;
  }

 private:
  FormatChecker checker_;
};

}  // namespace

std::unique_ptr<Verifier> make_format_verifier(const json& options) {
  return std::make_unique<FormatVerifier>(
      FormatSpec::from_options(options, "format verifier options"));
}

}  // namespace r1
