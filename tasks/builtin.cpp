#include "tasks/builtin.h"

namespace r1 {

void register_builtin_generators(const RegisterGeneratorFn& add) {
  add("arith", make_arith_generator);
  add("linear", make_linear_generator);
  add("countdown", make_countdown_generator);
  add("fraction", make_fraction_generator);
  add("pyfunc", make_pyfunc_generator);
  add("pyplay", make_pyplay_generator);
  add("pyoutput", make_pyoutput_generator);
}

}  // namespace r1
