// Self-play proposal validation (verifiers/selfplay/program_runner.h) in the real sandbox: a
// table of proposals that must be rejected, each with its reason, and of proposals that must be
// accepted; the proposal verifier on whole completions; the seed triplets from pyfunc.
#include <gtest/gtest.h>

#include "tasks/generator.h"
#include "tasks/pyvalue.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tests/common/sandbox_fixture.h"
#include "verifiers/registry.h"
#include "verifiers/selfplay/program_runner.h"

namespace r1 {
namespace {

using testing::shared_pool;

ProgramLimits test_limits() {
  ProgramLimits l;
  l.timeout_s = 2.0;
  return l;
}

ProgramRunner& runner() {
  static ProgramRunner r(shared_pool(), test_limits());
  return r;
}

struct Case {
  const char* name;
  const char* program;
  std::vector<std::string> inputs;
  const char* reason;  // "ok" when the proposal must be accepted
};

const std::vector<Case>& table() {
  static const std::vector<Case> cases = {
      // Accepted.
      {"arithmetic", "def f(a, b):\n    return a * b + 1\n", {"3, 4", "0, 7"}, "ok"},
      {"strings and lists", "def f(s):\n    return sorted(set(s))\n", {"'banana'"}, "ok"},
      {"pure import",
       "import math\nfrom itertools import accumulate\n\ndef f(xs):\n"
       "    return list(accumulate(xs)), math.gcd(*xs)\n",
       {"[4, 6, 8]"},
       "ok"},
      {"helper and recursion",
       "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\ndef f(n):\n"
       "    return [fib(i) for i in range(n)]\n",
       {"10"},
       "ok"},
      {"dict and tuple out",
       "def f(words):\n    return {w: (len(w), w[::-1]) for w in words}\n",
       {"['ab', 'cde']"},
       "ok"},
      {"no arguments", "def f():\n    return 42\n", {""}, "ok"},
      {"prints are harmless",
       "def f(x):\n    print('R1SP {\"ok\": true, \"outputs\": [\"0\"]}')\n"
       "    return x + 1\n",
       {"1"},
       "ok"},
      {"set of ints", "def f(n):\n    return {i * i % 7 for i in range(n)}\n", {"10"}, "ok"},
      {"throwaway _", "def f(n):\n    return [0 for _ in range(n)]\n", {"3"}, "ok"},
      {"private name", "def f(x):\n    _y = x\n    return _y\n", {"1"}, "private_name"},
      // Rejected.
      {"syntax error", "def f(x:\n    return x\n", {"1"}, "syntax_error"},
      {"no entry", "def g(x):\n    return x\n", {"1"}, "no_entry_point"},
      {"entry not top level",
       "class A:\n    def f(self, x):\n        return x\n",
       {"1"},
       "no_entry_point"},
      {"import random",
       "import random\ndef f(x):\n    return random.random() + x\n",
       {"1"},
       "banned_import"},
      {"import time", "import time\ndef f(x):\n    return time.time()\n", {"1"}, "banned_import"},
      {"import os", "import os\ndef f(x):\n    return os.getpid()\n", {"1"}, "banned_import"},
      {"from sys", "from sys import argv\ndef f(x):\n    return x\n", {"1"}, "banned_import"},
      {"subprocess inside f",
       "def f(x):\n    import subprocess\n    return x\n",
       {"1"},
       "banned_import"},
      {"threading", "import threading\ndef f(x):\n    return x\n", {"1"}, "banned_import"},
      {"dunder import", "def f(x):\n    return __import__('os').getpid()\n", {"1"}, "private_name"},
      {"dunder attribute", "def f(x):\n    return ().__class__.__bases__\n", {"1"}, "private_name"},
      {"getattr escape", "def f(x):\n    return getattr(x, 'real')\n", {"1"}, "banned_name"},
      {"eval", "def f(x):\n    return eval('x + 1')\n", {"1"}, "banned_name"},
      {"open", "def f(x):\n    return open('/etc/passwd').read()\n", {"1"}, "banned_name"},
      {"id is nondeterministic", "def f(x):\n    return id(x) % 7\n", {"1"}, "banned_name"},
      {"hash of str", "def f(s):\n    return hash(s) % 10\n", {"'a'"}, "banned_name"},
      {"infinite loop", "def f(x):\n    while True:\n        x += 1\n", {"1"}, "timeout"},
      {"huge output", "def f(n):\n    return 'ab' * n\n", {"100000"}, "huge_output"},
      {"state across calls",
       "def f(x, seen=[]):\n    seen.append(x)\n    return len(seen)\n",
       {"1"},
       "nondeterministic"},
      {"set order of strings",
       "def f(n):\n    return list({'w' + str(i) for i in range(n)})\n",
       {"40"},
       "nondeterministic"},
      {"not a literal out", "def f(x):\n    return lambda: x\n", {"1"}, "unplain_output"},
      {"nan out", "def f(x):\n    return float('nan')\n", {"1"}, "unplain_output"},
      {"generator out", "def f(n):\n    return (i for i in range(n))\n", {"3"}, "unplain_output"},
      {"input not a literal", "def f(x):\n    return x\n", {"1 + len('a')"}, "bad_input"},
      {"input calls code", "def f(x):\n    return x\n", {"__import__('os')"}, "bad_input"},
      {"raises", "def f(x):\n    return 1 // x\n", {"0"}, "runtime_error"},
      {"exits", "def f(x):\n    raise SystemExit(0)\n", {"1"}, "runtime_error"},
      {"top-level code fails", "x = [][1]\ndef f(y):\n    return y\n", {"1"}, "load_error"},
      {"runaway recursion", "def f(x):\n    return f(x + 1)\n", {"1"}, "runtime_error"},
      {"empty program", "   \n", {"1"}, "syntax_error"},
      // Ways from a value to the runner's internals without an underscore (review findings).
      {"generator frame",
       "def g():\n    yield 1\ndef f(x):\n    return str(g().gi_frame)\n",
       {"1"},
       "banned_name"},
      {"frame globals", "def f(x):\n    return x.f_globals\n", {"1"}, "banned_name"},
      {"attrgetter",
       "import operator\ndef f(x):\n    return operator.attrgetter('real')(x)\n",
       {"1"},
       "banned_name"},
      {"from operator import attrgetter",
       "from operator import attrgetter\ndef f(x):\n    return 1\n",
       {"1"},
       "banned_import"},
      {"string formatter",
       "import string\ndef f(x):\n    return string.Formatter()\n",
       {"1"},
       "banned_name"},
      {"format_map", "def f(x):\n    return '{a}'.format_map({'a': x})\n", {"1"}, "banned_name"},
      // Third audit: str.format reads the attributes its fields name at run time, from an
      // exception up to the runner's frames (which run it is: validation or judging).
      {"format reads frames",
       "def f(x):\n    try:\n        x + 'a'\n    except TypeError as e:\n"
       "        return ('{0.' + '_' * 2 + 'traceback' + '_' * 2 + '.tb_frame}').format(e)[:1]\n"
       "    return ''\n",
       {"1"},
       "banned_name"},
      {"str.format unbound", "def f(x):\n    return str.format('{}', x)\n", {"1"}, "banned_name"},
      {"format field with an attribute",
       "def f(x):\n    return '{0.real}'.format(x)\n",
       {"1"},
       "banned_name"},
      {"format field with an item",
       "def f(x):\n    return '{0[0]}'.format(x)\n",
       {"[1]"},
       "banned_name"},
      {"unseeded samples",
       "import statistics\nR = statistics.NormalDist().samples(1)[0]\n"
       "def f(x):\n    return x + (1 if R > 3 else 0)\n",
       {"1"},
       "banned_name"},
      {"match attribute",
       "def f(x):\n    match x:\n        case int(__class__=c):\n"
       "            return 1\n    return 0\n",
       {"1"},
       "banned_name"},
      {"module's own imports",
       "import fractions\ndef f(x):\n    return len(fractions.sys.argv)\n",
       {"1"},
       "runtime_error"},
      {"statistics.random",
       "import statistics\ndef f(x):\n    return statistics.random.random()\n",
       {"1"},
       "runtime_error"},
      {"lone surrogate in an error",
       "def f(x):\n    raise ValueError(chr(55296))\n",
       {"1"},
       "runtime_error"},
      {"killed by memory", "def f(x):\n    return len([x] * (10 ** 9))\n", {"1"}, "runtime_error"},
      // Second review: escapes that avoid every underscore in the source.
      {"metaclass pattern",
       "def f(x):\n    m = type('M', (), {})\n    match x:\n"
       "        case m(v):\n            return v\n    return 0\n",
       {"1"},
       "banned_name"},
      {"type of a class", "def f(x):\n    return str(type(int))\n", {"1"}, "runtime_error"},
      {"update_wrapper",
       "import functools\ndef f(x):\n"
       "    functools.update_wrapper(f, abs, (), ('a',))\n    return x\n",
       {"1"},
       "banned_name"},
      {"addresses", "def f(x):\n    return str(f)[-4:-1] * x\n", {"1"}, "nondeterministic"},
      // Idioms that stay allowed.
      {"own name like a builtin",
       "def f(x):\n    dir = [(0, 1), (1, 0)]\n    return dir[x]\n",
       {"1"},
       "ok"},
      {"submodule",
       "import collections.abc\ndef f(x):\n"
       "    return isinstance(x, collections.abc.Iterable)\n",
       {"[1]"},
       "ok"},
      {"builtin pattern",
       "def f(x):\n    match x:\n        case int(v):\n            return v + 1\n"
       "        case [a, b]:\n            return a\n    return 0\n",
       {"1", "[5, 6]"},
       "ok"},
      {"type of a value", "def f(x):\n    return type(x) is int\n", {"1"}, "ok"},
      // str.format on a literal whose fields only take arguments stays allowed (a review: a
      // solver's honest induction program used it).
      {"format of a plain literal", "def f(x):\n    return '{}-{:>3}'.format(x, x)\n", {"1"}, "ok"},
      // Padding: code that changes nothing makes a new text of an old function.
      {"dead assignment",
       "def f(xs):\n    ys = [2 + 2 for x in xs]\n    return xs\n",
       {"[1]"},
       "dead_code"},
      {"dead accumulator",
       "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return len(xs)\n",
       {"[1, 2]"},
       "dead_code"},
      {"unread argument", "def f(x):\n    return 5\n", {"1"}, "dead_code"},
      {"unread helper argument",
       "def g(a, b):\n    return a\n\ndef f(x):\n    return g(x, 1)\n",
       {"1"},
       "dead_code"},
      {"unread loop variable",
       "def f(n):\n    c = 0\n    for i in range(n):\n        c += 2\n    return c\n",
       {"3"},
       "ok"},
      {"counting comprehension", "def f(xs):\n    return len([1 for x in xs])\n", {"[4, 4]"}, "ok"},
  };
  return cases;
}

TEST(SelfPlayValidation, Table) {
  for (const Case& c : table()) {
    ProgramReport r = runner().validate(c.program, "f", c.inputs);
    ASSERT_FALSE(r.sandbox_error) << c.name << ": " << r.message;
    if (std::string(c.reason) == "ok") {
      EXPECT_TRUE(r.ok) << c.name << ": " << r.reason << " " << r.message;
      EXPECT_EQ(r.outputs.size(), c.inputs.size()) << c.name;
      EXPECT_EQ(r.key.size(), 16u) << c.name;
      EXPECT_GT(r.ast_nodes, 0) << c.name;
    } else {
      EXPECT_FALSE(r.ok) << c.name;
      EXPECT_EQ(r.reason, c.reason) << c.name << ": " << r.message;
      EXPECT_FALSE(r.message.empty()) << c.name;
    }
  }
}

// Dead code is refused in proposals only: a solver's program is judged by what it returns.
TEST(SelfPlayValidation, DeadCodeIsNoFaultInASolversProgram) {
  ProgramReport r = runner().run("def f(x):\n    y = 1\n    return x\n", "f", {"1"}, {"1"});
  ASSERT_TRUE(r.ok) << r.reason << " " << r.message;
  EXPECT_EQ(r.matches, (std::vector<bool>{true}));
}

TEST(SelfPlayValidation, OutputsAreTheSandboxs) {
  ProgramReport r = runner().validate("def f(a, b):\n    return (a + b, [a] * 2, {'k': b})\n", "f",
                                      {"1, 2", " 'x' , 'y' ,"});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.outputs,
            (std::vector<std::string>{"(3, [1, 1], {'k': 2})", "('xy', ['x', 'x'], {'k': 'y'})"}));
  // Inputs come back normalised: spacing and trailing commas do not make a new input.
  EXPECT_EQ(r.inputs, (std::vector<std::string>{"1, 2", "'x', 'y'"}));
}

TEST(SelfPlayValidation, EachInputRunsInAFreshProcess) {
  // State kept between calls cannot make an output depend on which inputs came before.
  const char* program =
      "def f(x, seen=[]):\n    seen.append(x)\n    return x + (len(seen) + 1) // 2\n";
  ProgramReport all = runner().validate(program, "f", {"10", "20", "30"});
  ProgramReport last = runner().validate(program, "f", {"30"});
  ASSERT_TRUE(all.ok && last.ok) << all.message << last.message;
  EXPECT_EQ(all.outputs[2], last.outputs[0]);
  // A judged run computes what validation recorded.
  ProgramReport judged = runner().run(program, "f", {"30", "10"}, {all.outputs[2], all.outputs[0]});
  ASSERT_TRUE(judged.ok) << judged.message;
  EXPECT_EQ(judged.matches, (std::vector<bool>{true, true}));
}

// Validation passes each output back as the arguments, as a copied abduction answer is read:
// where the program returns it unchanged, a copy of the output answers that pair's abduction.
TEST(SelfPlayValidation, FixedPointsAreTheOutputsTheProgramKeeps) {
  ProgramReport sorted =
      runner().validate("def f(xs):\n    return sorted(xs)\n", "f", {"[3, 1, 2]", "[1, 2]"});
  ASSERT_TRUE(sorted.ok) << sorted.message;
  EXPECT_EQ(sorted.fixed_points, (std::vector<bool>{true, true}));
  // 1*1 is 1, 9*9 is not 9; len(2) raises (a failed call is no fixed point); 2.0 is not 2.
  ProgramReport square = runner().validate("def f(x):\n    return x * x\n", "f", {"1", "3"});
  ASSERT_TRUE(square.ok) << square.message;
  EXPECT_EQ(square.fixed_points, (std::vector<bool>{true, false}));
  ProgramReport length = runner().validate("def f(s):\n    return len(s)\n", "f", {"'ab'"});
  ASSERT_TRUE(length.ok) << length.message;
  EXPECT_EQ(length.fixed_points, (std::vector<bool>{false}));
  ProgramReport real = runner().validate(
      "def f(x):\n    return float(x) if isinstance(x, int) else int(x)\n", "f", {"2"});
  ASSERT_TRUE(real.ok) << real.message;
  EXPECT_EQ(real.outputs, (std::vector<std::string>{"2.0"}));
  EXPECT_EQ(real.fixed_points, (std::vector<bool>{false})) << "f(2.0) is 2, not strictly 2.0";
  // A call on an output that never returns is no fixed point (the judge's run would fail too),
  // and does not fail validation.
  ProgramReport loop =
      runner().validate("def f(x):\n    while x == 7:\n        pass\n    return 7\n", "f", {"3"});
  ASSERT_TRUE(loop.ok) << loop.message;
  EXPECT_EQ(loop.fixed_points, (std::vector<bool>{false}));
  // A copy without its brackets is a copy: "2, 5" answers the abduction of (2, 5) when
  // f(2, 5) == (2, 5), and likewise for a list.
  for (const char* body : {"(min(a, b), max(a, b))", "[min(a, b), max(a, b)]"}) {
    ProgramReport pair = runner().validate(std::string("def f(a, b):\n    return ") + body + "\n",
                                           "f", {"5, 2", "1, 1"});
    ASSERT_TRUE(pair.ok) << pair.message;
    EXPECT_EQ(pair.fixed_points, (std::vector<bool>{true, true})) << body;
  }
  // Slow only on its own outputs: each call on an output has the judge's whole time, so the
  // copy the judge would pay is found (a 0.1 s limit, the probes', missed it).
  ProgramReport slow = runner().validate(
      "def f(xs):\n    ys = sorted(xs)\n    if xs == ys and 1000 in xs:\n"
      "        for _ in range(1500000):\n            ys = sorted(ys)\n    return ys\n",
      "f", {"[3, 1000, 2]"});
  ASSERT_TRUE(slow.ok) << slow.message;
  EXPECT_EQ(slow.fixed_points, (std::vector<bool>{true}));
  // The triplet a proposal makes carries them, and they survive a checkpoint.
  const json t = report_triplet("def f(xs):\n    return sorted(xs)\n", "f", sorted);
  EXPECT_EQ(Triplet::from_json(t, "t").fixed_points, (std::vector<bool>{true, true}));
  EXPECT_EQ(Triplet::from_json(Triplet::from_json(t, "t").to_json(), "t").fixed_points,
            (std::vector<bool>{true, true}));
  json wrong = t;
  wrong["fixed_points"] = {true};
  EXPECT_THROW(Triplet::from_json(wrong, "t"), std::exception);
}

TEST(SelfPlayValidation, ExpectedOutputsNeverReachTheProgram) {
  // The program runs before, and apart from, the comparison: whatever it inspects, it cannot
  // see what it is compared with. A program that returns what the runner holds gets nothing.
  ProgramReport r = runner().run("def f(x):\n    return str(x)\n", "f", {"1", "2"}, {"'1'", "'3'"});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.matches, (std::vector<bool>{true, false}));
  ProgramReport bad_gold = runner().run("def f(x):\n    return x\n", "f", {"1"}, {"x + 1"});
  EXPECT_FALSE(bad_gold.ok);
  EXPECT_EQ(bad_gold.reason, "bad_gold");
}

TEST(SelfPlayValidation, NormalFormIgnoresSpacingAndComments) {
  ProgramReport a = runner().validate("def f(x):\n    return x+1\n", "f", {"2"});
  ProgramReport b =
      runner().validate("# add one\ndef f(x):  # really\n    return (x + 1)\n", "f", {"2"});
  ProgramReport c = runner().validate("def f(x):\n    return x+2\n", "f", {"2"});
  ProgramReport d = runner().validate("def f(x):\n    return x+1\n", "f", {"3"});
  ASSERT_TRUE(a.ok && b.ok && c.ok && d.ok);
  EXPECT_EQ(a.program_key, b.program_key);
  EXPECT_EQ(a.key, b.key);
  EXPECT_NE(a.program_key, c.program_key);
  EXPECT_EQ(a.program_key, d.program_key);  // the same program ...
  EXPECT_NE(a.key, d.key);                  // ... on another input is another triplet
  // Renamed variables and a docstring do not make a new program; another builtin does.
  ProgramReport e = runner().validate(
      "def f(value):\n    \"add one\"\n    result = value + 1\n    return result\n", "f", {"2"});
  ProgramReport g = runner().validate(
      "def f(n):\n    \"add one\"\n    out = n + 1\n    return out\n", "f", {"2"});
  ProgramReport h = runner().validate("def f(n):\n    out = abs(n)\n    return out\n", "f", {"2"});
  ProgramReport k =
      runner().validate("def f(n):\n    out = len(n)\n    return out\n", "f", {"[1, 2]"});
  ASSERT_TRUE(e.ok && g.ok && h.ok && k.ok);
  EXPECT_EQ(e.program_key, g.program_key);
  EXPECT_NE(h.program_key, k.program_key);
  // The shape leaves the literals out too: x+1 and x+2 share one; a negative constant is a
  // constant; another operator or builtin is another shape.
  ProgramReport m = runner().validate("def f(x):\n    return x + -7\n", "f", {"2"});
  ProgramReport s = runner().validate("def f(x):\n    return x - 1\n", "f", {"2"});
  ProgramReport t = runner().validate("def f(s):\n    return s + 'ab'\n", "f", {"'x'"});
  ASSERT_TRUE(m.ok && s.ok && t.ok);
  EXPECT_EQ(a.shape_key.size(), 16u);
  EXPECT_EQ(a.shape_key, c.shape_key);
  EXPECT_EQ(a.shape_key, m.shape_key);
  EXPECT_NE(a.shape_key, s.shape_key);
  EXPECT_NE(a.shape_key, t.shape_key) << "a str literal is not an int literal";
  EXPECT_NE(h.shape_key, k.shape_key);
}

// What a program computes, whatever its text: its outputs on probe inputs of the kinds of its
// inputs. A rewrite or a padded copy of a function shares it; another function, or the same
// function called with another kind of argument, does not.
TEST(SelfPlayValidation, BehaviourKeyTellsWhatAProgramComputes) {
  auto key = [](const std::string& program, const std::vector<std::string>& inputs) {
    ProgramReport r = runner().validate(program, "f", inputs);
    EXPECT_TRUE(r.ok) << program << ": " << r.message;
    EXPECT_EQ(r.behaviour_key.size(), 16u) << program;
    return r.behaviour_key;
  };
  const std::string desc = key("def f(xs):\n    return sorted(xs)[::-1]\n", {"[3, 1, 2]"});
  EXPECT_EQ(desc, key("def f(ys):\n    return sorted(ys, reverse=True)\n", {"[5, 1]", "[]"}))
      << "two ways to sort in descending order";
  EXPECT_NE(desc, key("def f(xs):\n    return sorted(xs)\n", {"[5, 1]"}));
  // The kinds come from all the inputs (an empty list says nothing of its elements), and a
  // bool is an int: neither is a way to a new key for a known function.
  EXPECT_EQ(desc, key("def f(xs):\n    return sorted(xs)[::-1]\n", {"[]", "[4, 0]"}));
  EXPECT_EQ(desc, key("def f(xs):\n    return sorted(xs)[::-1]\n", {"[True, False]"}));
  const std::string same = key("def f(xs):\n    return xs\n", {"[1, 2]"});
  EXPECT_EQ(same, key("def f(xs):\n    n = len(xs)\n    return xs if n else xs\n", {"[4]"}))
      << "code that changes nothing";
  EXPECT_NE(same, key("def f(xs):\n    return xs\n", {"'ab'"}))
      << "identity on strings is probed on strings";
  const std::string plus1 = key("def f(x):\n    return x + 1\n", {"2"});
  EXPECT_EQ(plus1, key("def f(x):\n    return 1 + x\n", {"9"}));
  EXPECT_NE(plus1, key("def f(x):\n    return x + 2\n", {"2"}))
      << "constants change what it computes";
  EXPECT_NE(key("def f(x):\n    return x > 10\n", {"3"}),
            key("def f(x):\n    return x >= 10\n", {"3"}))
      << "a lone int meets every value from -2 to 12";
  // Sets and dicts are values whatever order they print in.
  EXPECT_EQ(key("def f(xs):\n    return set(xs) | {8}\n", {"[3]"}),
            key("def f(xs):\n    return {8} | set(xs)\n", {"[3]"}));
  // Judged again, the same key: the probes depend only on the kinds of the arguments.
  EXPECT_EQ(key("def f(xs):\n    return sorted(xs)[::-1]\n", {"[0]"}), desc);
  // A program that never ends on a probe is still a valid task on its own inputs, with a key.
  ProgramReport loops =
      runner().validate("def f(n):\n    while n == 100:\n        pass\n    return n\n", "f", {"1"});
  ASSERT_TRUE(loops.ok) << loops.message;
  EXPECT_EQ(loops.outputs, std::vector<std::string>{"1"});
  EXPECT_EQ(loops.behaviour_key.size(), 16u);
  EXPECT_TRUE(loops.probed);
  EXPECT_EQ(loops.probe_timeouts, 1) << "n == 100 is the one probe that loops";
  EXPECT_EQ(loops.probe_values, 15);
  // One that loops on most probes (every n > 3): the probes' limits count CPU time, so its key
  // is the same however loaded the machine is.
  const std::string up_to_3 = "def f(n):\n    while n != 3:\n        n += 1\n    return n\n";
  const std::string first = key(up_to_3, {"1"});
  EXPECT_EQ(key(up_to_3, {"2"}), first);
  // A program that fails on every probe has no key: the probes cannot tell it from another
  // that fails on them all (d['k'] + 1 and d['k'] * 2 where no probe's dict has 'k').
  ProgramReport picky = runner().validate("def f(d):\n    return d['k'] + 1\n", "f", {"{'k': 3}"});
  ASSERT_TRUE(picky.ok) << picky.message;
  EXPECT_EQ(picky.behaviour_key, "");
  EXPECT_TRUE(picky.probed);
  EXPECT_EQ(picky.probe_values, 0);
  EXPECT_EQ(picky.probe_timeouts, 0);
  // A long tuple is probed with tuples as long.
  const std::string nine = "(1, 2, 3, 4, 5, 6, 7, 8, 9)";
  EXPECT_NE(key("def f(t):\n    return t[8] + t[0]\n", {nine}),
            key("def f(t):\n    return t[8] * t[1]\n", {nine}));
  // Solve-time runs do not probe.
  EXPECT_EQ(runner().run("def f(x):\n    return x + 1\n", "f", {"2"}).behaviour_key, "");
}

TEST(SelfPlayValidation, Limits) {
  ProgramLimits l = test_limits();
  l.max_program_bytes = 40;
  l.max_inputs = 2;
  ProgramRunner small(shared_pool(), l);
  EXPECT_EQ(small.validate("def f(x):\n    return x + 1 + 2 + 3 + 4 + 5 + 6\n", "f", {"1"}).reason,
            "program_too_long");
  EXPECT_EQ(small.validate("def f(x):\n    return x\n", "f", {"1", "2", "3"}).reason,
            "too_many_inputs");
  ProgramLimits n = test_limits();
  n.max_ast_nodes = 10;
  ProgramRunner few(shared_pool(), n);
  EXPECT_EQ(few.validate("def f(x):\n    return [x, x, x, x, x, x, x]\n", "f", {"1"}).reason,
            "program_too_big");
  EXPECT_THROW(ProgramLimits::from_json(json{{"max_inputs", 0}}, "limits"), Error);
  EXPECT_THROW(ProgramLimits::from_json(json{{"timeout", 1}}, "limits"), Error);
}

// A program that keeps state between calls agrees with itself on its own inputs and not on
// others (a review): judged on a solver's input it would look like a coin. The probes show it.
TEST(SelfPlayValidation, AProgramThatKeepsStateBetweenCallsIsRefused) {
  const std::string stateful =
      "def f(xs, acc=[]):\n    for x in xs:\n        if x < 0:\n            acc.append(x)\n"
      "    return sum(xs) + len(acc)\n";
  ProgramReport r = runner().validate(stateful, "f", {"[1, 2]", "[3, 4]"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "nondeterministic") << r.message;
}

// The probes run twice, with other hash seeds and memory layouts: a program that decides by
// chance only off its own inputs passes the four validation runs, and is refused here.
TEST(SelfPlayValidation, AProgramThatDecidesByChanceOnProbesIsRefused) {
  const std::string coin =
      "class K:\n    pass\n\n\nA = K()\nB = K()\n\n\ndef f(s):\n"
      "    if s in ('qz', 'zzq'):\n        return len(s)\n"
      "    return len(s) + (0 if next(iter({A, B})) is A else 1)\n";
  ProgramReport r = runner().validate(coin, "f", {"'qz'", "'zzq'"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "nondeterministic") << r.message;
  // A deterministic program's two probe runs agree.
  ProgramReport fine = runner().validate("def f(s):\n    return len(set(s))\n", "f", {"'qz'"});
  EXPECT_TRUE(fine.ok) << fine.message;
  EXPECT_FALSE(fine.behaviour_key.empty());
}

// A proposal's inputs must each finish in a quarter of the CPU the judge gives one input, so
// that a solver's program doing the same work is not judged by a coin at the limit.
TEST(SelfPlayValidation, AProposalNeedsAMarginBelowTheJudgesCpuLimit) {
  const std::string work =
      "def f(n):\n    t = 0\n    for i in range(n):\n        t += i & 7\n    return t\n";
  const std::string input = "3000000";
  // The least CPU limit (of a ladder of doublings) at which the judge's run finishes: the
  // work takes between half of it and all of it, on whatever machine runs the test.
  double judge_s = 0;
  for (double s = 0.01; s <= 16 && judge_s == 0; s *= 2) {
    ProgramLimits l = test_limits();
    l.input_cpu_s = s;
    ProgramRunner judge(shared_pool(), l);
    if (judge.run(work, "f", {input}).ok) judge_s = s;
  }
  ASSERT_GT(judge_s, 0) << "the work never finished";
  ProgramLimits l = test_limits();
  l.input_cpu_s = judge_s;  // validation has a quarter: less than the work takes
  ProgramRunner tight(shared_pool(), l);
  ProgramReport refused = tight.validate(work, "f", {input});
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.reason, "timeout") << refused.message;
  l.input_cpu_s = 16 * judge_s;
  ProgramRunner roomy(shared_pool(), l);
  EXPECT_TRUE(roomy.validate(work, "f", {input}).ok);
}

TEST(SelfPlayValidation, StrictComparison) {
  auto eq = [](const char* a, const char* b) {
    ProgramReport r = runner().compare(a, b);
    EXPECT_TRUE(r.ok) << a << " vs " << b << ": " << r.message;
    return r.equal;
  };
  EXPECT_TRUE(eq("[1, 2]", "[1, 2]"));
  EXPECT_TRUE(eq(" {'a': (1, 'x')} ", "{'a': (1, 'x')}"));
  EXPECT_TRUE(eq("{3, 1, 2}", "{1, 2, 3}"));
  EXPECT_FALSE(eq("(1, 2)", "[1, 2]"));
  EXPECT_FALSE(eq("1.0", "1"));
  EXPECT_FALSE(eq("True", "1"));
  EXPECT_FALSE(eq("'1'", "1"));
  EXPECT_FALSE(eq("-0.0", "0.0"));
  EXPECT_FALSE(eq("{1: 0.0}", "{1: -0.0}"));
  EXPECT_FALSE(eq("{True: 1}", "{1: 1}"));
  EXPECT_TRUE(eq("[1.5, (2, 'x')]", "[1.5, (2, 'x')]"));
  ProgramReport bad = runner().compare("f(3)", "1");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.reason, "bad_answer");
}

TEST(SelfPlayValidation, PyfuncSeedsValidateWithTheGeneratorsOutputs) {
  // A differential check: the C++ evaluator of the pyfunc templates against real Python.
  auto seeds = pyfunc_seed_triplets(16, 5);
  auto tasks = generate_tasks("pyfunc", 16, 5, 0);
  ASSERT_EQ(seeds.size(), tasks.size());
  for (size_t i = 0; i < seeds.size(); ++i) {
    const Triplet& t = seeds[i];
    EXPECT_EQ(t.entry, "f");
    EXPECT_EQ(t.program.find(tasks[i].entry_point), std::string::npos) << t.program;
    std::vector<std::string> expected;
    for (const json& c : tasks[i].meta["cases"]) expected.push_back(py_literal(c["expected"]));
    ProgramReport r = i < 4 ? runner().validate(t.program, t.entry, t.inputs)
                            : runner().run(t.program, t.entry, t.inputs, expected);
    ASSERT_TRUE(r.ok) << tasks[i].id << ": " << r.reason << " " << r.message << "\n" << t.program;
    ASSERT_EQ(r.outputs.size(), expected.size());
    if (i >= 4) {
      EXPECT_EQ(r.matches, std::vector<bool>(expected.size(), true))
          << tasks[i].id << ": sandbox " << json(r.outputs).dump() << ", generator "
          << json(expected).dump();
    }
  }
}

// pyoutput's programs written as functions all pass validation, and a held-out pyoutput suite
// keeps its programs out of the seeds.
TEST(SelfPlayValidation, PyoutputSeedsValidateAndRespectTheHoldout) {
  auto seeds = pyoutput_seed_triplets(16, 5, 4, nullptr);
  ASSERT_GE(seeds.size(), 12u);  // a program that starts from an empty list gives none
  for (const Triplet& t : seeds) {
    EXPECT_EQ(t.origin, "seed:pyoutput");
    ProgramReport r = runner().validate(t.program, t.entry, t.inputs);
    ASSERT_TRUE(r.ok) << r.reason << " " << r.message << "\n" << t.program;
    EXPECT_EQ(r.outputs.size(), 4u);
  }
  const Holdout same("pyoutput:n=16:seed=5");
  EXPECT_TRUE(pyoutput_seed_triplets(16, 5, 4, &same).empty());
  // Another suite: the short programs recur now and then across seeds (straight lines).
  const Holdout other("pyoutput:n=16:seed=6");
  EXPECT_GE(pyoutput_seed_triplets(16, 5, 4, &other).size() + 2, seeds.size());
}

// The propose prompt's rules name exactly the modules the runner allows.
TEST(SelfPlayValidation, PromptListsTheAllowedModules) {
  const std::string py = program_runner_py();
  const size_t a = py.find("ALLOWED_MODULES = frozenset([");
  const size_t b = py.find("])", a);
  ASSERT_NE(a, std::string::npos);
  const std::string list = py.substr(a, b - a);
  const std::string prompt = make_propose_task({}, SelfPlayKind::Deduction, 1).prompt;
  int modules = 0;
  for (size_t q = list.find('"'); q != std::string::npos; q = list.find('"', q + 1)) {
    const size_t e = list.find('"', q + 1);
    const std::string name = list.substr(q + 1, e - q - 1);
    EXPECT_NE(prompt.find(" " + name), std::string::npos) << name;
    ++modules;
    q = e;
  }
  EXPECT_EQ(modules, 14);
}

// ---- the proposal verifier, on whole completions ----

std::unique_ptr<Verifier> proposal_verifier() {
  return make_verifier("proposal", json{{"sandbox", testing::test_sandbox_config().to_json()},
                                        {"limits", test_limits().to_json()}});
}

Task propose_task(int n_inputs, const std::vector<const Triplet*>& refs = {}) {
  return make_propose_task(refs, SelfPlayKind::Deduction, n_inputs);
}

TEST(ProposalVerifier, ValidProposalCarriesTheTriplet) {
  auto v = proposal_verifier();
  Verdict d = v->verify(propose_task(2),
                        "<think>double it</think><answer><program>\n```python\ndef f(x):\n"
                        "    return x * 2\n```\n</program><input>3</input><input>'ab'</input>"
                        "</answer>");
  ASSERT_TRUE(d.correct) << d.to_json().dump();
  EXPECT_EQ(d.score, 1.0);
  EXPECT_TRUE(d.format_ok);
  const json& t = d.details.at("learner_data").at("triplet");
  EXPECT_EQ(t["outputs"], (json{"6", "'abab'"}));
  EXPECT_EQ(t["entry"], "f");
  json with_origin = t;
  with_origin["origin"] = "proposed";
  Triplet back = Triplet::from_json(with_origin, "triplet");
  EXPECT_EQ(back.program, "def f(x):\n    return x * 2");
}

TEST(ProposalVerifier, Rejections) {
  auto v = proposal_verifier();
  Task t = propose_task(2);
  auto reason = [&](const std::string& completion) {
    Verdict d = v->verify(t, completion);
    EXPECT_FALSE(d.correct) << completion;
    EXPECT_EQ(d.score, 0.0);
    EXPECT_FALSE(d.verifier_error) << d.to_json().dump();
    return d.reason;
  };
  EXPECT_EQ(reason("no tags at all"), "no_answer");
  EXPECT_EQ(reason("<answer>def f(x): return x</answer>"), "bad_format");
  EXPECT_EQ(reason("<answer><program>def f(x):\n    return x\n</program></answer>"), "bad_format");
  EXPECT_EQ(reason("<answer><program>def f(x):\n    return x\n</program><input>1</input></answer>"),
            "too_few_inputs");
  EXPECT_EQ(reason("<answer><program>def f(x):\n    return x\n</program><input>1</input>"
                   "<input> 1 </input></answer>"),
            "repeated_input");
  EXPECT_EQ(reason("<answer><program>import os\ndef f(x):\n    return x\n</program>"
                   "<input>1</input><input>2</input></answer>"),
            "banned_import");
  // Any bytes: invalid UTF-8 inside the program gets a verdict, never an exception.
  Verdict bytes = v->verify(t, std::string("<answer><program>def f(x):\n    return '\xff\xfe' * x\n"
                                           "</program><input>1</input><input>2</input></answer>"));
  EXPECT_FALSE(bytes.verifier_error) << bytes.to_json().dump();
  // A valid proposal with any bytes in it carries a triplet that serialises (it goes into the
  // buffer and its checkpoints).
  Verdict odd = v->verify(t, std::string("<answer><program>def f(x):\n    return '\xac' * x\n"
                                         "</program><input>1</input><input>2</input>"
                                         "<message>\xff hint</message></answer>"));
  ASSERT_TRUE(odd.correct) << odd.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
  EXPECT_NO_THROW(odd.details.dump());
  EXPECT_EQ(odd.details["learner_data"]["triplet"]["outputs"][0].get<std::string>(),
            "'\xef\xbf\xbd'");
}

// An induction solver sees the message beside half of the pairs; a message that quotes as
// many pairs as the task hides (any may be hidden) could let a lookup table pass.
TEST(ProposalVerifier, MessagesThatQuoteAPairAreRefused) {
  // Four pairs: an induction task shows two and hides two.
  const std::vector<std::string> in = {"[3, 1, 2]", "'abc'", "7", "12"},
                                 out = {"6", "'cba'", "49", "144"};
  struct Case {
    const char* message;
    bool leaks;
  } cases[] = {
      {"", false},
      {"sums the list", false},
      {"f(7) == 49", false},  // one pair: the other hidden one is not there
      {"f(7) == 49 and f(12) == 144", true},
      {"f([3,1,2]) = 6; abc -> cba", true},                 // spaces and commas aside
      {"(3, 1, 2) -> 6, and \"ABC\" gives \"CBA\"", true},  // brackets, quotes and case aside
      {"adds 7 to it, then 49 is far; 12 and 144", true},   // single numbers within four tokens
      {"7 first; later the answer grows past what anyone expects, 49; 12 144", false},
      {"[3, 1] sums to 4; 6 is a number; abc cba", false},  // part of an input is not the input
      {"7.5 and 49.0, 77 and 490; 12.5 144.5", false},      // other numbers
      {"7\u219249, 12\u2192144", true},                     // arrows (a review)
      {"7\u00a049 and 12\u00a0144", true},                  // no-break spaces
  };
  for (const Case& c : cases)
    EXPECT_EQ(!message_leak(c.message, in, out).empty(), c.leaks) << c.message;
  // A run inside another is no second place ("-1" holds "1"); an input equal to its output
  // needs two places; one pair is no leak where one is hidden of two, and nothing is where no
  // induction task can be made (one pair).
  EXPECT_EQ(message_leak("raise it to at least -1, then square it", {"-1", "5"}, {"1", "25"}), "");
  EXPECT_EQ(message_leak("keeps 5", {"5", "6"}, {"5", "6"}), "");
  EXPECT_NE(message_leak("f(5) is 5", {"5", "6"}, {"5", "6"}), "");
  EXPECT_EQ(message_leak("f(5) is 25", {"5"}, {"25"}), "");
  // Base cases in a hint are pairs too: two of four (as many as are hidden) are refused, two
  // of eight (four hidden) are not.
  const std::string fib = "fib(0) is 0 and fib(1) is 1";
  EXPECT_NE(message_leak(fib, {"0", "1", "5", "7"}, {"0", "1", "5", "13"}), "");
  EXPECT_EQ(message_leak(fib, {"0", "1", "5", "7", "8", "9", "10", "11"},
                         {"0", "1", "5", "13", "21", "34", "55", "89"}),
            "");
  // Non-ASCII letters are tokens of their own (a review: dropped, 'é' -> 'É' was never quoted).
  EXPECT_NE(message_leak("\u00e9 gives \u00c9, \u00f1 gives \u00d1",
                         {"'\u00e9'", "'\u00f1'", "'\u00fc'", "'\u00f8'"},
                         {"'\u00c9'", "'\u00d1'", "'\u00dc'", "'\u00d8'"}),
            "");
  EXPECT_NE(message_leak(std::string(kMaxMessageBytes + 1, 'a'), in, out), "");
  EXPECT_EQ(message_leak(std::string(kMaxMessageBytes, 'a'), in, out), "");

  auto v = proposal_verifier();
  Task t = propose_task(2);
  const std::string program =
      "<answer><program>def f(n):\n    return n * n\n</program>"
      "<input>7</input><input>12</input>";
  Verdict leaky = v->verify(t, program + "<message>f(12) = 144</message></answer>");
  EXPECT_FALSE(leaky.correct);
  EXPECT_EQ(leaky.reason, "leaky_message") << leaky.to_json().dump();
  EXPECT_TRUE(leaky.format_ok);
  Verdict hint = v->verify(t, program + "<message>squares its input</message></answer>");
  EXPECT_TRUE(hint.correct) << hint.to_json().dump();
  Verdict long_one =
      v->verify(t, program + "<message>" + std::string(300, 'x') + "</message></answer>");
  EXPECT_EQ(long_one.reason, "leaky_message");
}

TEST(ProposalVerifier, CopiesOfShownReferencesAreDuplicates) {
  auto v = proposal_verifier();
  ProgramReport r = runner().validate("def f(x):\n    return x + 1\n", "f", {"1"});
  ASSERT_TRUE(r.ok);
  Triplet ref;
  ref.program = "def f(x):\n    return x + 1\n";
  ref.inputs = r.inputs;
  ref.outputs = r.outputs;
  ref.key = r.key;
  ref.program_key = r.program_key;
  Task t = propose_task(1, {&ref});
  Verdict d = v->verify(t,
                        "<answer><program>def f(x):\n    # mine\n    return x+1\n</program>"
                        "<input>5</input></answer>");
  EXPECT_FALSE(d.correct);
  EXPECT_EQ(d.reason, "duplicate");
  d = v->verify(t,
                "<answer><program>def f(x):\n    return x + 2\n</program><input>5</input>"
                "</answer>");
  EXPECT_TRUE(d.correct) << d.to_json().dump();
}

// A generated propose task (pyplay) shows references that never ran in the sandbox: their keys
// come from meta.ref_programs, so a copy of one is no new task (a verifier audit found a
// verbatim copy of the shown reference scoring 1).
TEST(ProposalVerifier, CopiesOfReferencesThatNeverRanAreDuplicates) {
  auto v = proposal_verifier();
  Task t = propose_task(1);
  t.meta["ref_programs"] = {"def f(s):\n    return s[::-1]\n", "def f(x):\n    return x + 1\n"};
  for (const char* copy :
       {"def f(x):\n    return x + 1\n", "def f(y):\n    return y+1  # mine\n"}) {
    const Verdict d = v->verify(
        t, std::string("<answer><program>") + copy + "</program><input>5</input></answer>");
    EXPECT_FALSE(d.correct) << copy;
    EXPECT_EQ(d.reason, "duplicate") << d.to_json().dump();
  }
  const Verdict d = v->verify(
      t, "<answer><program>def f(x):\n    return x + 2\n</program><input>5</input></answer>");
  EXPECT_TRUE(d.correct) << d.to_json().dump();
  // The generator fills them in.
  auto gen = make_generator("pyplay", json{{"propose_share", 1.0}}, "test");
  const Task proposal = generate_task(*gen, 3, 0, 0);
  ASSERT_EQ(proposal.meta.value("role", std::string()), "propose");
  ASSERT_TRUE(proposal.meta.contains("ref_programs")) << proposal.meta.dump();
  EXPECT_FALSE(proposal.meta["ref_programs"].empty());
}

// pyplay's `pyoutput_proposals` makes worked proposals that write pyoutput's programs as
// functions (loops, branches, string walks): a cold start trained on them must be shown valid
// proposals, so each is judged by the real proposal verifier in the sandbox, for every kind.
TEST(ProposalVerifier, WorkedPyoutputProposalsAreValid) {
  auto v = proposal_verifier();
  int judged = 0;
  for (const char* kind : {"deduction", "abduction", "induction"}) {
    auto gen = make_generator(
        "pyplay", json{{"propose_share", 1.0}, {"pyoutput_proposals", 1.0}, {"kinds", {kind}}},
        "test");
    for (uint64_t i = 0; i < 6; ++i) {
      const Task t = generate_task(*gen, 11, i, 0);
      ASSERT_EQ(t.meta.value("role", std::string()), "propose");
      const std::string program = t.meta.value("target_program", std::string());
      ASSERT_EQ(program.rfind("def f(", 0), 0u) << program;
      EXPECT_NE(t.answer.find("<input>"), std::string::npos) << t.answer;
      EXPECT_EQ(t.answer.find("<message>"), std::string::npos) << t.answer;
      const Verdict d = v->verify(t, "<answer>" + t.answer + "</answer>");
      EXPECT_TRUE(d.correct) << kind << "\n" << t.answer << "\n" << d.to_json().dump();
      ++judged;
    }
  }
  EXPECT_EQ(judged, 18);
  // At 0 (the default) the stream is the one without the option: nothing more is drawn.
  auto plain = make_generator("pyplay", json{{"propose_share", 0.5}}, "test");
  auto zero =
      make_generator("pyplay", json{{"propose_share", 0.5}, {"pyoutput_proposals", 0}}, "test");
  for (uint64_t i = 0; i < 8; ++i)
    EXPECT_EQ(generate_task(*plain, 11, i, 0).to_json(), generate_task(*zero, 11, i, 0).to_json());
  auto bad = [] { make_generator("pyplay", json{{"pyoutput_proposals", 1.5}}, "run.json"); };
  EXPECT_THROW(bad(), Error);
}

// Under novelty "behaviour" (meta.strict_probes) the probes must be able to judge a proposal: a
// known function that loops on one probe input, or one made to fail on every probe, would
// otherwise pass the behaviour gate with a key of its own or none. Without the flag both are
// valid tasks on their own inputs.
TEST(ProposalVerifier, StrictProbesRefuseWhatTheProbesCannotJudge) {
  auto v = proposal_verifier();
  Task loose = propose_task(1);
  Task strict = propose_task(1);
  strict.meta["strict_probes"] = true;
  auto judged = [&](const Task& t, const std::string& program, const std::string& input) {
    return v->verify(
        t, "<answer><program>" + program + "</program><input>" + input + "</input></answer>");
  };
  const std::string loops_at_100 =
      "def f(n):\n    if n == 100:\n        while True:\n            pass\n    return n + 1\n";
  EXPECT_TRUE(judged(loose, loops_at_100, "4").correct);
  Verdict slow = judged(strict, loops_at_100, "4");
  EXPECT_FALSE(slow.correct);
  EXPECT_EQ(slow.reason, "probe_timeout") << slow.to_json().dump();
  EXPECT_TRUE(slow.format_ok);
  const std::string picky =
      "def f(s):\n    if s[:3] != 'qqq':\n        raise ValueError\n"
      "    return s.upper()\n";
  EXPECT_TRUE(judged(loose, picky, "'qqqab'").correct);
  Verdict none = judged(strict, picky, "'qqqab'");
  EXPECT_FALSE(none.correct);
  EXPECT_EQ(none.reason, "no_probe_value") << none.to_json().dump();
  // A function the probes can judge passes, its key carried to the buffer.
  Verdict fine = judged(strict, "def f(n):\n    return n + 1\n", "4");
  ASSERT_TRUE(fine.correct) << fine.to_json().dump();
  EXPECT_EQ(fine.details["learner_data"]["triplet"]["behaviour_key"].get<std::string>().size(),
            16u);
}

}  // namespace
}  // namespace r1
