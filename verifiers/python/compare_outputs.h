// Comparing a function's outputs, computed in the sandbox and sent back as plain JSON, with
// the expected values of a task: outside the sandbox, so no object of the candidate's can
// take part (an always-true __eq__ never reaches this code).
#pragma once
#include "core/json.h"

namespace r1 {

// Structural equality. Integers compare exactly; when either side is a float, numbers are
// equal within rel_tol (relative to the larger magnitude, at least 1). Booleans equal only
// booleans (Python's True == 1 is not accepted for a function whose answer is True).
bool outputs_equal(const json& got, const json& expected, double rel_tol = 1e-9);

}  // namespace r1
