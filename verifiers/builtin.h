// The list of built-in verifiers. Each built-in adds one line to builtin.cpp.
#pragma once
#include <functional>
#include <string>

#include "verifiers/registry.h"

namespace r1 {

using RegisterFn = std::function<void(const std::string&, VerifierFactory)>;
void register_builtin_verifiers(const RegisterFn& add);

}  // namespace r1
