// The zygote's Python reaches the binary unchanged: the build embeds sandbox/*.py as string
// constants (cmake/embed_text.cmake), and CMake must not eat a semicolon, backslash or bracket.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sandbox/zygote_script.h"

namespace {

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(R1_SOURCE_DIR) + "/sandbox/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(ZygoteScript, IsThePythonFilesByteForByte) {
  EXPECT_EQ(r1::zygote_py_system(), source_file("zygote_system.py"));
  EXPECT_EQ(r1::zygote_py_harness(), source_file("zygote_harness.py"));
  EXPECT_EQ(r1::zygote_py_serve(), source_file("zygote_serve.py"));
  EXPECT_EQ(r1::zygote_script(), source_file("zygote_system.py") +
                                     source_file("zygote_harness.py") +
                                     source_file("zygote_serve.py"));
}
