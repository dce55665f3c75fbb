#include "sandbox/zygote_script.h"

namespace r1 {

const std::string& zygote_script() {
  static const std::string script =
      std::string(zygote_py_system()) + zygote_py_harness() + zygote_py_serve();
  return script;
}

}  // namespace r1
