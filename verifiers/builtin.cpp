#include "verifiers/builtin.h"

#include "verifiers/countdown/countdown_verifier.h"
#include "verifiers/exact/exact_verifier.h"
#include "verifiers/external/external_verifier.h"
#include "verifiers/format/format_verifier.h"
#include "verifiers/math/math_verifier.h"
#include "verifiers/python/python_verifier.h"
#include "verifiers/selfplay/selfplay_verifiers.h"
#include "verifiers/step/step_verifier.h"

namespace r1 {

void register_builtin_verifiers(const RegisterFn& add) {
  // One line per built-in verifier.
  add("format", [](const json& o) { return make_format_verifier(o); });
  add("math", [](const json& o) { return make_math_verifier(o); });
  add("countdown", [](const json& o) { return make_countdown_verifier(o); });
  add("step", [](const json& o) { return make_step_verifier(o); });
  add("exact", [](const json& o) { return make_exact_verifier(o); });
  add("external", [](const json& o) { return make_external_verifier(o); });
  add("python", [](const json& o) { return make_python_verifier(o); });
  add("proposal", [](const json& o) { return make_proposal_verifier(o); });
  add("program", [](const json& o) { return make_program_verifier(o); });
}

}  // namespace r1
