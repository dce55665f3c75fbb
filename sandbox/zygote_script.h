// The Python program of the zygote (the pre-started interpreter that forks one process tree
// per run). It lives in three .py files split by job (sandbox/zygote_system.py,
// zygote_harness.py, zygote_serve.py), which the build embeds into the binary
// (cmake/embed_text.cmake writes them as string constants), so that the r1 binary is
// self-contained. zygote_script() joins them. See the comment at the top of part 1.
#pragma once
#include <string>

namespace r1 {

const char* zygote_py_system();   // sandbox/zygote_system.py
const char* zygote_py_harness();  // sandbox/zygote_harness.py
const char* zygote_py_serve();    // sandbox/zygote_serve.py

const std::string& zygote_script();

}  // namespace r1
