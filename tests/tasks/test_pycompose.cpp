// Composed Python programs (tasks/families/pycompose.h): the same seed gives the same program;
// the grammar gives thousands of distinct programs of all three shapes; and every output the
// C++ side computes equals what a real Python interpreter returns for the same code and input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/json.h"
#include "tasks/families/pycompose.h"

using namespace r1;

TEST(PyCompose, TheSameSeedGivesTheSameProgram) {
  Rng a(17), b(17);
  for (int i = 0; i < 50; ++i) {
    ComposedProgram p = compose_program(a, 4), q = compose_program(b, 4);
    EXPECT_EQ(p.code, q.code);
    EXPECT_EQ(p.inputs, q.inputs);
    EXPECT_EQ(p.outputs, q.outputs);
  }
}

TEST(PyCompose, ManyDistinctProgramsOfEveryShape) {
  Rng rng(3);
  std::set<std::string> codes;
  int lists = 0, ints = 0, strings = 0;
  for (int i = 0; i < 3000; ++i) {
    ComposedProgram p = compose_program(rng, 6);
    ASSERT_EQ(p.inputs.size(), 6u);
    ASSERT_EQ(p.outputs.size(), 6u);
    EXPECT_EQ(std::set<std::string>(p.inputs.begin(), p.inputs.end()).size(), 6u) << p.code;
    EXPECT_FALSE(p.spec.empty());
    EXPECT_EQ(p.code.rfind("def f(", 0), 0u);
    EXPECT_NE(std::set<std::string>(p.outputs.begin(), p.outputs.end()).size(), 1u)
        << p.code << " answers the same on every input";
    lists += p.code.rfind("def f(xs)", 0) == 0;
    ints += p.code.rfind("def f(n)", 0) == 0;
    strings += p.code.rfind("def f(s)", 0) == 0;
    codes.insert(p.code);
  }
  EXPECT_GT(codes.size(), 2000u);
  EXPECT_GT(lists, 800);
  EXPECT_GT(ints, 800);
  EXPECT_GT(strings, 800);
  EXPECT_THROW(compose_program(rng, 0), Error);
}

// The interpreter is the reference: each program runs on each input, and repr of the result
// must equal the output computed here.
TEST(PyCompose, OutputsMatchARealPythonInterpreter) {
  if (std::system("python3 -c 'pass' > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  const auto dir =
      std::filesystem::temp_directory_path() / ("r1-pycompose-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Rng rng(2026);
  json cases = json::array();
  for (int i = 0; i < 600; ++i) {
    ComposedProgram p = compose_program(rng, 5);
    cases.push_back({{"code", p.code}, {"inputs", p.inputs}, {"outputs", p.outputs}});
  }
  std::ofstream(dir / "cases.json") << cases.dump();
  std::ofstream(dir / "check.py")
      << "import json, sys\n"
         "bad = 0\n"
         "for c in json.load(open(sys.argv[1])):\n"
         "    env = {}\n"
         "    exec(c['code'], env)\n"
         "    for i, o in zip(c['inputs'], c['outputs']):\n"
         "        got = repr(eval('f(' + i + ')', env))\n"
         "        if got != o:\n"
         "            bad += 1\n"
         "            print(repr(c['code']), i, 'python', got, 'ours', o)\n"
         "print('mismatches', bad)\n"
         "sys.exit(1 if bad else 0)\n";
  const std::string cmd =
      "python3 " + (dir / "check.py").string() + " " + (dir / "cases.json").string() + " 2>&1";
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  const int rc = pclose(f);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("mismatches 0"), std::string::npos) << out;
}
