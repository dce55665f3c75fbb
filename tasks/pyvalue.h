// JSON values written as Python source literals, for code tasks: null -> None, true -> True,
// strings double-quoted with JSON escapes (valid Python for the ASCII text we generate),
// lists as [1, 2]. Used for examples in prompts and asserts in HumanEval-style tests.
#pragma once
#include <string>

#include "core/json.h"

namespace r1 {

std::string py_literal(const json& v);
// The same value as Python's repr() writes it (strings in single quotes, as the sandbox's
// outputs of self-play programs are), for prompts that show values beside those outputs.
std::string py_repr(const json& v);
// "f(1, \"ab\")" from a function name and a JSON array of arguments.
std::string py_call(const std::string& fn, const json& args);

}  // namespace r1
