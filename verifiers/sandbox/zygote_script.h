// The Python program of the zygote (the pre-started interpreter that forks one process tree
// per run), kept in C++ raw strings so that the r1 binary is self-contained. It is split in
// three parts by job; zygote_script() joins them. See the comment at the top of part 1.
#pragma once
#include <string>

namespace r1 {

const char* zygote_py_system();   // zygote_py_system.cpp
const char* zygote_py_harness();  // zygote_py_harness.cpp
const char* zygote_py_serve();    // zygote_py_serve.cpp

const std::string& zygote_script();

}  // namespace r1
