// The `format` verifier: score 1 when the completion has the output format, else 0.
#pragma once
#include <memory>

#include "verifiers/verifier.h"

namespace r1 {

// Options: see FormatSpec::from_options.
std::unique_ptr<Verifier> make_format_verifier(const json& options);

}  // namespace r1
