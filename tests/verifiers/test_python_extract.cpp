// Code extraction and output comparison of the python verifier: tables of inputs and what
// must come out.
#include <gtest/gtest.h>

#include "verifiers/python/compare_outputs.h"
#include "verifiers/python/extract.h"

namespace r1 {
namespace {

TEST(PythonExtract, AnswerTagPlainAndFenced) {
  auto a = extract_python_code("<think>x</think><answer>\ndef f(x):\n    return x\n</answer>");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->source, "answer");
  EXPECT_EQ(a->code, "def f(x):\n    return x");

  auto b =
      extract_python_code("<think>t</think><answer>```python\ndef g():\n    pass\n```</answer>");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->source, "answer");
  EXPECT_EQ(b->code, "def g():\n    pass");

  // The last fenced python block inside the answer wins over earlier ones and other languages.
  auto c = extract_python_code(
      "<answer>```python\nx = 1\n```\n```text\nnot code\n```\n```py\ny = 2\n```</answer>");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, "y = 2");
}

TEST(PythonExtract, BodyIndentationIsKept) {
  auto a = extract_python_code("<answer>\n\n    return x + 1\n</answer>");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->code, "    return x + 1");
}

TEST(PythonExtract, LastFenceWithoutTags) {
  auto a = extract_python_code("text\n```python\na = 1\n```\nmore\n```python\nb = 2\n```\nbye");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->source, "fence");
  EXPECT_EQ(a->code, "b = 2");
  // Cut off by the token limit: the open block runs to the end.
  auto b = extract_python_code("```python\ndef f():\n    return 1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->code, "def f():\n    return 1");
}

TEST(PythonExtract, RawFallbackAndNoCode) {
  auto a = extract_python_code("    return sorted(x)\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->source, "raw");
  EXPECT_EQ(a->code, "    return sorted(x)");
  EXPECT_FALSE(extract_python_code("    return 1", false));
  EXPECT_FALSE(extract_python_code(""));
  EXPECT_FALSE(extract_python_code("   \n\t "));
  EXPECT_FALSE(extract_python_code("<think>I would write code</think>"));
  EXPECT_FALSE(extract_python_code("<think>x</think><answer>  </answer>"));
  EXPECT_FALSE(extract_python_code("<answer>```python\n```</answer>"));
  // Arbitrary bytes never throw.
  std::string junk = "\xff\xfe<answer>\x80```\n\x01</answer>";
  EXPECT_NO_THROW(extract_python_code(junk));
}

TEST(PythonExtract, DefinesName) {
  EXPECT_TRUE(defines_name("import x\ndef f(a):\n    pass", "f"));
  EXPECT_TRUE(defines_name("async def f():\n  pass", "f"));
  EXPECT_TRUE(defines_name("class f:\n  pass", "f"));
  EXPECT_TRUE(defines_name("f = lambda x: x", "f"));
  EXPECT_TRUE(defines_name("f: object = None", "f"));
  EXPECT_FALSE(defines_name("def fx(a):\n    pass", "f"));
  EXPECT_FALSE(defines_name("    return f(x)", "f"));
  EXPECT_FALSE(defines_name("    f = 1", "f"));
  EXPECT_FALSE(defines_name("f == 3", "f"));
  EXPECT_FALSE(defines_name("def g():\n    def f():\n        pass", "f"));
  EXPECT_FALSE(defines_name("anything", ""));
}

TEST(OutputsEqual, Table) {
  EXPECT_TRUE(outputs_equal(json(3), json(3)));
  EXPECT_FALSE(outputs_equal(json(3), json(4)));
  EXPECT_TRUE(outputs_equal(json(2.0), json(2)));
  EXPECT_TRUE(outputs_equal(json(0.1 + 0.2), json(0.3)));
  EXPECT_FALSE(outputs_equal(json(0.31), json(0.3)));
  // An integer expected takes only a float that is that integer: no tolerance (an audit's
  // math.gcd(a, b) * (1 + 1e-10) passed every case).
  EXPECT_FALSE(outputs_equal(json(6.0000000001), json(6)));
  EXPECT_FALSE(outputs_equal(json(5.9999999999), json(6)));
  EXPECT_TRUE(outputs_equal(json(-6.0), json(-6)));
  EXPECT_FALSE(outputs_equal(json(1e30), json(uint64_t{18446744073709551615u})));
  EXPECT_TRUE(outputs_equal(json(6), json(6.0000000001)));  // a float expected keeps its tolerance
  EXPECT_FALSE(outputs_equal(json(true), json(1)));
  EXPECT_FALSE(outputs_equal(json(1), json(true)));
  EXPECT_TRUE(outputs_equal(json("ab"), json("ab")));
  EXPECT_FALSE(outputs_equal(json("ab"), json("ab ")));
  EXPECT_TRUE(outputs_equal(json::parse("[1, [2, 3.0]]"), json::parse("[1, [2, 3]]")));
  EXPECT_FALSE(outputs_equal(json::parse("[1, 2]"), json::parse("[1, 2, 3]")));
  EXPECT_TRUE(outputs_equal(json::parse(R"({"a": 1, "b": [true]})"),
                            json::parse(R"({"b": [true], "a": 1})")));
  EXPECT_FALSE(outputs_equal(json::parse(R"({"a": 1})"), json::parse(R"({"a": 1, "b": 2})")));
  EXPECT_FALSE(outputs_equal(json(nullptr), json(0)));
  EXPECT_TRUE(outputs_equal(json(nullptr), json(nullptr)));
  EXPECT_FALSE(outputs_equal(json::parse(R"({"$set": [1, 2]})"), json::parse("[1, 2]")));
  EXPECT_TRUE(outputs_equal(json(uint64_t{18446744073709551615ULL}),
                            json(uint64_t{18446744073709551615ULL})));
  EXPECT_FALSE(outputs_equal(json(int64_t{-1}), json(uint64_t{18446744073709551615ULL})));
}

}  // namespace
}  // namespace r1
