// The built-in task families. Each family's file defines one make_*_generator(); adding a
// family adds one line to builtin.cpp.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "tasks/generator.h"

namespace r1 {

std::unique_ptr<TaskGenerator> make_arith_generator();
std::unique_ptr<TaskGenerator> make_linear_generator();
std::unique_ptr<TaskGenerator> make_countdown_generator();
std::unique_ptr<TaskGenerator> make_fraction_generator();
std::unique_ptr<TaskGenerator> make_pyfunc_generator();
std::unique_ptr<TaskGenerator> make_pyoutput_generator();
std::unique_ptr<TaskGenerator> make_pyplay_generator();

using RegisterGeneratorFn = std::function<void(const std::string&, GeneratorFactory)>;
void register_builtin_generators(const RegisterGeneratorFn& add);

}  // namespace r1
