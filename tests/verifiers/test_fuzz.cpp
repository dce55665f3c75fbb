// Fuzzing the `math`, `format`, `countdown` and `step` verifiers with over 100,000 random and
// mutated completions: random bytes, token soup, mutations of valid completions, huge inputs,
// unbalanced tags, deeply nested braces, long digit strings and input that would be
// pathological for floating-point evaluation. Every call must return (no crash, no exception), give
// a score in [0, 1] and details that serialise as strict JSON, and take under 50 ms of CPU time.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <thread>

#include "core/rng.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

constexpr double kMaxMillis = 50.0;

const char* const kTokens[] = {"<think>",
                               "</think>",
                               "<answer>",
                               "</answer>",
                               "<think",
                               "answer>",
                               "\\boxed{",
                               "\\boxed",
                               "\\fbox{",
                               "{",
                               "}",
                               "\\{",
                               "\\}",
                               "(",
                               ")",
                               "[",
                               "]",
                               "\\left(",
                               "\\right)",
                               "\\left.",
                               "\\frac",
                               "\\frac{",
                               "\\dfrac",
                               "\\sqrt",
                               "\\sqrt[",
                               "^",
                               "_",
                               "=",
                               "+",
                               "-",
                               "*",
                               "/",
                               "\\cdot",
                               "\\times",
                               "\\div",
                               "\\pm",
                               "\\mp",
                               "\\cup",
                               ",",
                               ".",
                               "!",
                               "|",
                               "&",
                               "\\\\",
                               "\\begin{pmatrix}",
                               "\\end{pmatrix}",
                               "\\begin{",
                               "\\end{",
                               "\\pi",
                               "\\infty",
                               "\\text{",
                               "\\mbox{",
                               "\\sin",
                               "\\log_",
                               "\\ln",
                               "\\binom",
                               "\\alpha",
                               "x",
                               "y",
                               "e",
                               "i",
                               "abc",
                               "the answer is ",
                               "The answer is: ",
                               "$",
                               "\\$",
                               "%",
                               "\\%",
                               "^\\circ",
                               "\n",
                               " ",
                               "  ",
                               "\t",
                               "0",
                               "1",
                               "2",
                               "3",
                               "7",
                               "9",
                               "10",
                               "12",
                               "100",
                               "1,000",
                               "3.14",
                               ".5",
                               "-",
                               "9^9^9",
                               "10^{10^{10}}",
                               "1000!",
                               "0^0",
                               "(-1)^0.5",
                               "1/0",
                               "\xC3\x97",
                               "\xC3\xB7",
                               "\xE2\x88\x92",
                               "\xC2\xB7",
                               "\xCF\x80",
                               "\xE2\x88\x9E",
                               "\xff",
                               "\xc3",
                               "\x00",
                               "\\",
                               "\\\\!",
                               "{,}",
                               "#### ",
                               "=\n",
                               "1 = 1",
                               "2*3 = 6",
                               "x = ",
                               "\\in",
                               "\\leq",
                               // Math mode, relations and the other answer forms of the math
                               // verifier.
                               "$$",
                               "\\(",
                               "\\)",
                               "\\[",
                               "\\]",
                               "\\geq",
                               "\\ne",
                               "<",
                               ">=",
                               "!=",
                               "\xE2\x89\xA4",
                               "Final answer: ",
                               "Answer:",
                               "1.5e3",
                               "2E-5",
                               "0,5",
                               "1 000",
                               "\\emptyset",
                               "\\begin{array}{cc}",
                               "\\end{array}",
                               "\\circ",
                               "\\degree",
                               "\xC2\xB0",
                               "x \\geq 5",
                               "-2 < x \\le 3"};

std::string token_soup(Rng& rng, size_t max_tokens) {
  std::string s;
  size_t n = rng.below(max_tokens) + 1;
  for (size_t i = 0; i < n; ++i) {
    const char* t = kTokens[rng.below(std::size(kTokens))];
    s += t[0] == '\0' ? std::string(1, '\0') : std::string(t);
  }
  return s;
}

std::string random_bytes(Rng& rng, size_t max_len) {
  std::string s(rng.below(max_len + 1), '\0');
  for (char& c : s) c = static_cast<char>(rng.below(256));
  return s;
}

std::string mutate(const std::string& seed, Rng& rng) {
  std::string s = seed;
  int edits = static_cast<int>(rng.below(6)) + 1;
  for (int e = 0; e < edits; ++e) {
    size_t at = s.empty() ? 0 : rng.below(s.size() + 1);
    switch (rng.below(6)) {
      case 0:  // insert a random byte
        s.insert(s.begin() + static_cast<long>(at), static_cast<char>(rng.below(256)));
        break;
      case 1:  // insert a token
        s.insert(at, kTokens[rng.below(std::size(kTokens))]);
        break;
      case 2:  // delete a range
        if (!s.empty() && at < s.size()) s.erase(at, rng.below(8) + 1);
        break;
      case 3:  // duplicate a range
        if (!s.empty() && at < s.size()) s.insert(at, s.substr(at, rng.below(16) + 1));
        break;
      case 4:  // flip a bit
        if (!s.empty() && at < s.size()) s[at] = static_cast<char>(s[at] ^ (1 << rng.below(8)));
        break;
      default:  // replace a digit
        if (!s.empty() && at < s.size()) s[at] = static_cast<char>('0' + rng.below(10));
        break;
    }
  }
  return s;
}

// Inputs chosen to hurt: size, depth and numbers.
std::vector<std::string> hostile_inputs(Rng& rng) {
  std::vector<std::string> v;
  auto wrap = [](const std::string& a) { return "<think>t</think><answer>" + a + "</answer>"; };
  std::string mb;
  while (mb.size() < (1u << 20)) mb += token_soup(rng, 64);
  v.push_back(mb);
  v.push_back(wrap(mb));
  v.push_back("<think>" + mb + "</think><answer>1</answer>");
  v.push_back(std::string(1 << 20, '<'));
  v.push_back(std::string(1 << 20, '9'));
  v.push_back(wrap(std::string(100000, '9')));
  v.push_back(wrap(std::string(1500, '9')));
  v.push_back(wrap("9" + std::string(999, '0') + "/" + "7" + std::string(999, '0')));
  std::string boxes;
  for (int i = 0; i < 50000; ++i) boxes += "\\boxed{";
  v.push_back(boxes + "1" + std::string(50000, '}'));
  v.push_back(boxes);
  v.push_back(wrap(std::string(100000, '(') + "1" + std::string(100000, ')')));
  v.push_back(wrap(std::string(1000, '(') + "1" + std::string(1000, ')')));
  v.push_back(wrap(std::string(1000, '{') + "1" + std::string(1000, '}')));
  std::string fracs;
  for (int i = 0; i < 600; ++i) fracs += "\\frac{1}{";
  v.push_back(wrap(fracs + "2" + std::string(600, '}')));
  std::string sines;
  for (int i = 0; i < 700; ++i) sines += "\\sin(";
  v.push_back(wrap(sines + "x" + std::string(700, ')')));
  v.push_back(wrap("9^9^9^9^9^9^9^9"));
  v.push_back(wrap("10^{10^{10^{10}}}"));
  v.push_back(wrap("\\binom{100000}{50000}"));
  v.push_back(wrap("100000!"));
  v.push_back(wrap("\\sqrt[1000000]{2}"));
  v.push_back(wrap("2^{0.5}^{0.5}^{0.5}"));
  v.push_back(wrap("a+b+c+d+f+g+h+j+k+l+m+n+o+p+q+r+s+t+u+v+w+x+y+z+\\alpha+\\beta+\\gamma"));
  std::string plus = "1";
  for (int i = 0; i < 3000; ++i) plus += "+1";
  v.push_back(wrap(plus));
  v.push_back("<think>\n" + std::string(200000, '1') + " = 1\n</think><answer>1</answer>");
  std::string claims = "<think>\n";
  for (int i = 0; i < 40000; ++i) claims += "12345*6789 = 83810205\n";
  v.push_back(claims + "</think><answer>1</answer>");
  std::string list;
  for (int i = 0; i < 5000; ++i) list += std::to_string(i) + ",";
  v.push_back(wrap(list));
  v.push_back(wrap("\\{" + list + "\\}"));
  std::string pms;
  for (int i = 0; i < 50; ++i) pms += "1\\pm ";
  v.push_back(wrap(pms));
  std::string tags;
  for (int i = 0; i < 100000; ++i) tags += i % 2 ? "<answer>" : "</think>";
  v.push_back(tags);
  std::string the_answer;
  for (int i = 0; i < 50000; ++i) the_answer += "the answer is ";
  v.push_back(the_answer);
  v.push_back(std::string(300000, '-') + "1");
  std::string commas = "1";
  for (int i = 0; i < 100000; ++i) commas += ",000";
  v.push_back(commas);
  // Braces 10,000 deep, in an answer block, in free text and in math mode.
  std::string deep = std::string(10000, '{') + "1" + std::string(10000, '}');
  v.push_back(wrap(deep));
  v.push_back(deep);
  v.push_back("$" + deep + "$");
  v.push_back(wrap("\\boxed{" + deep + "}"));
  v.push_back(std::string(10000, '{') + "1");
  // A megabyte of math-mode delimiters, closed and not.
  std::string dollars(1 << 20, '$');
  v.push_back(dollars);
  v.push_back(wrap(dollars));
  std::string spans, opens, brackets, currency;
  while (spans.size() < (1u << 20)) spans += "$x+1$ ";
  while (opens.size() < (1u << 20)) opens += "\\(x ";
  while (brackets.size() < (1u << 20)) brackets += "\\[\\frac{1}{2}\\] ";
  while (currency.size() < (1u << 20)) currency += "$5 and $";
  for (const std::string* m : {&spans, &opens, &brackets, &currency}) {
    v.push_back(*m);
    v.push_back(wrap(*m));
  }
  v.push_back("$" + std::string(1 << 20, 'x') + "$");
  v.push_back("$" + plus + "$");
  // A megabyte of digit groups, leading dots and answer phrases.
  std::string groups = "1", dots, phrases, sci;
  while (groups.size() < (1u << 20)) groups += " 000";
  while (dots.size() < (1u << 20)) dots += " .4";
  while (phrases.size() < (1u << 20)) phrases += "Final answer: #### Answer: ";
  while (sci.size() < (1u << 20)) sci += "1e1";
  for (const std::string* m : {&groups, &dots, &phrases, &sci}) {
    v.push_back(*m);
    v.push_back(wrap(*m));
  }
  // The longest answers that are still parsed: relation chains, matrices, intervals, words.
  std::string chain = "0", cells = "\\begin{array}{cc}", words;
  for (int i = 1; chain.size() < 1990; ++i) chain += (i % 2 ? "<" : "\\le ") + std::to_string(i);
  while (cells.size() < 1900) cells += "1 & x \\\\ ";
  cells += "\\end{array}";
  while (words.size() < 1990) words += "ab ";
  for (const std::string* m : {&chain, &cells, &words}) {
    v.push_back(*m);
    v.push_back(wrap(*m));
    v.push_back(wrap("Therefore $" + *m + "$ is it."));
  }
  // A megabyte of small boxes and of answer blocks: every one is an answer to check.
  std::string flat_boxes, blocks;
  while (flat_boxes.size() < (1u << 20)) flat_boxes += "\\boxed{18} ";
  while (blocks.size() < (1u << 20)) blocks += "<answer>17</answer>";
  v.push_back(flat_boxes);
  v.push_back(wrap(flat_boxes));
  v.push_back(blocks);
  std::string unions = "(0,1)";
  for (int i = 1; unions.size() < 1990; ++i) unions += "\\cup(" + std::to_string(i) + ",x)";
  v.push_back(wrap(unions));
  std::string degrees = "1";
  while (degrees.size() < 1990) degrees += "+1^\\circ+2\\%";
  v.push_back(wrap(degrees));
  std::string nested_sines = "x";
  while (nested_sines.size() < 1990) nested_sines = "\\sin 2" + nested_sines;
  v.push_back(wrap(nested_sines));
  return v;
}

struct FuzzStats {
  size_t calls = 0;
  size_t exceptions = 0;
  size_t bad_scores = 0;
  size_t bad_json = 0;
  double max_ms = 0;
  std::string slowest;
  std::string first_problem;
};

// The calling thread's CPU time, in ms: a verifier's cost, not the time the scheduler gave other
// processes (CI runs this beside other tests on 2 cores; wall time failed there).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

void run_one(Verifier& v, const Task& task, const std::string& completion, FuzzStats& st) {
  ++st.calls;
  const double t0 = thread_cpu_ms();
  Verdict d;
  try {
    d = v.verify(task, completion);
  } catch (const std::exception& e) {
    ++st.exceptions;
    if (st.first_problem.empty()) st.first_problem = std::string("exception: ") + e.what();
    return;
  } catch (...) {
    ++st.exceptions;
    return;
  }
  const double ms = thread_cpu_ms() - t0;
  if (ms > st.max_ms) {
    st.max_ms = ms;
    st.slowest = completion.substr(0, 80) + " (" + std::to_string(completion.size()) + " bytes)";
  }
  if (!(d.score >= 0.0 && d.score <= 1.0)) ++st.bad_scores;
  try {
    (void)d.to_json().dump();  // strict: throws on invalid UTF-8
  } catch (const std::exception& e) {
    ++st.bad_json;
    if (st.first_problem.empty()) {
      st.first_problem = std::string("details: ") + e.what() + " in " +
                         d.to_json().dump(-1, ' ', true, json::error_handler_t::replace);
    }
  }
}

void check(const char* name, const FuzzStats& st) {
  std::printf("[ fuzz     ] %-9s %6zu verdicts, slowest %.2f ms: %s\n", name, st.calls, st.max_ms,
              st.slowest.c_str());
  EXPECT_EQ(st.exceptions, 0u) << name << ": " << st.first_problem;
  EXPECT_EQ(st.bad_scores, 0u) << name;
  EXPECT_EQ(st.bad_json, 0u) << name << ": " << st.first_problem;
  EXPECT_LT(st.max_ms, kMaxMillis) << name << ": slowest input " << st.slowest;
}

// Runs `count` generated inputs plus the hostile ones through one verifier.
FuzzStats fuzz(const std::string& verifier, const std::vector<Task>& tasks,
               const std::vector<std::string>& seeds, size_t count, uint64_t seed) {
  auto v = make_verifier(verifier);
  Rng rng(seed, 0);
  FuzzStats st;
  for (const auto& h : hostile_inputs(rng)) run_one(*v, tasks[rng.below(tasks.size())], h, st);
  for (size_t i = 0; i < count; ++i) {
    const Task& t = tasks[rng.below(tasks.size())];
    std::string c;
    switch (rng.below(4)) {
      case 0:
        c = random_bytes(rng, 300);
        break;
      case 1:
        c = token_soup(rng, 60);
        break;
      case 2:
        c = "<think>" + token_soup(rng, 30) + "</think><answer>" + token_soup(rng, 12) +
            "</answer>";
        break;
      default:
        c = mutate(seeds[rng.below(seeds.size())], rng);
        break;
    }
    run_one(*v, t, c, st);
  }
  return st;
}

Task math_task(const std::string& answer) {
  Task t;
  t.answer = answer;
  t.verifier = "math";
  return t;
}

TEST(Fuzz, MathFormatCountdownStep) {
  auto t0 = std::chrono::steady_clock::now();
  Rng rng(2024, 1);
  // Math: real golds, and some fuzzed golds too (a gold answer must not crash it either).
  std::vector<Task> math_tasks;
  for (const char* a : {"42", "-3/4", "\\frac{\\sqrt{3}}{2}", "(1, 2]", "\\{1,2\\}", "x^2+1",
                        "y = 2x+3", "\\text{Evelyn}", "1 \\pm \\sqrt{2}",
                        "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "0.5", "10^{30}", "\\infty"}) {
    math_tasks.push_back(math_task(a));
  }
  for (int i = 0; i < 40; ++i) math_tasks.push_back(math_task(token_soup(rng, 12)));
  // Golds given as whole solutions, and hostile ones: a gold must not stall the verifier either.
  math_tasks.push_back(math_task("We find $x$, so the answer is $\\boxed{\\frac{1}{2}}$."));
  math_tasks.push_back(math_task("x \\geq 5"));
  math_tasks.push_back(math_task("(-\\infty, 2] \\cup (3, 5)"));
  math_tasks.push_back(math_task("50\\%"));
  math_tasks.push_back(math_task("30^\\circ"));
  math_tasks.push_back(math_task(std::string(10000, '{') + "1" + std::string(10000, '}')));
  std::string boxed_gold;
  for (int i = 0; i < 10000; ++i) boxed_gold += "\\boxed{";
  math_tasks.push_back(math_task(boxed_gold + "1" + std::string(10000, '}')));
  math_tasks.push_back(math_task(std::string(1 << 20, '$')));
  std::vector<std::string> math_seeds = {
      "<think>6*7 = 42</think><answer>42</answer>",
      "<think>x</think><answer>\\frac{-3}{4}</answer>",
      "so \\boxed{\\frac{\\sqrt{3}}{2}} done",
      "<answer>\\left(1, 2\\right]</answer>",
      "The answer is \\{2, 1\\}.",
      "<think>expand</think><answer>(x+i)(x-i)</answer>",
      "<answer>$\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}$</answer>",
      "We get 1,000,000 and 0.5 in the end 3.25"};

  std::vector<Task> format_tasks = {Task{}};
  std::vector<std::string> format_seeds = {"<think>a</think><answer>b</answer>",
                                           " <think>\n</think>\n<answer>x</answer>\n"};

  std::vector<Task> countdown_tasks;
  for (int i = 0; i < 30; ++i) {
    Task t;
    std::vector<int64_t> nums;
    int n = static_cast<int>(rng.below(6)) + 1;
    for (int k = 0; k < n; ++k) nums.push_back(rng.range(0, 100));
    t.meta = {{"numbers", nums}, {"target", rng.range(-10, 1000)}};
    countdown_tasks.push_back(t);
  }
  Task bad_meta;
  bad_meta.meta = {{"numbers", "nope"}};
  countdown_tasks.push_back(bad_meta);
  Task big_meta;
  big_meta.meta = {{"numbers", {INT64_MAX, INT64_MIN}}, {"target", INT64_MAX}};
  countdown_tasks.push_back(big_meta);
  std::vector<std::string> countdown_seeds = {
      "<think>t</think><answer>(25 - 5) * 4 + 3</answer>",
      "<think>t</think><answer>8 / (3 - 8 / 3) = 24</answer>"};

  std::vector<Task> step_tasks = {Task{}};
  std::vector<std::string> step_seeds = {
      "<think>\n347*8 = 2776\n2776 + 4 = 2780\n22/7 = 3.14\n</think><answer>2780</answer>",
      "<think>\n1,234 + 1 = 1,235 = 1235\n2^10 = 1024\n</think>"};

  FuzzStats m = fuzz("math", math_tasks, math_seeds, 40000, 11);
  FuzzStats f = fuzz("format", format_tasks, format_seeds, 25000, 12);
  FuzzStats c = fuzz("countdown", countdown_tasks, countdown_seeds, 20000, 13);
  FuzzStats s = fuzz("step", step_tasks, step_seeds, 20000, 14);
  check("math", m);
  check("format", f);
  check("countdown", c);
  check("step", s);
  size_t total = m.calls + f.calls + c.calls + s.calls;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ fuzz     ] %zu verdicts in %.1f s\n", total, secs);
  EXPECT_GE(total, 100000u);
}

// One verifier instance shared by threads gives the same verdicts as one thread.
TEST(Fuzz, ConcurrentUseGivesSameVerdicts) {
  for (const char* name : {"math", "countdown", "step", "format"}) {
    auto v = make_verifier(name);
    Rng rng(99, 0);
    std::vector<std::pair<Task, std::string>> items;
    for (int i = 0; i < 400; ++i) {
      Task t;
      t.answer = i % 3 ? std::to_string(i) : "\\frac{" + std::to_string(i) + "}{\\sqrt{2}}";
      t.meta = {{"numbers", {i % 7, 3, 4}}, {"target", 12 + i % 7}};
      std::string c = "<think>\n" + std::to_string(i) + "*2 = " + std::to_string(2 * i + i % 2) +
                      "\n</think><answer>" +
                      (i % 2 ? t.answer : "(" + std::to_string(i % 7) + "+3*4) / " + "x") +
                      "</answer>";
      items.push_back({t, rng.bernoulli(0.3) ? mutate(c, rng) : c});
    }
    std::vector<std::string> expected;
    for (auto& [t, c] : items) expected.push_back(v->verify(t, c).to_json().dump());
    std::vector<std::string> got(items.size());
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k] {
        for (int rep = 0; rep < 3; ++rep) {
          for (size_t i = k; i < items.size(); i += 4)
            got[i] = v->verify(items[i].first, items[i].second).to_json().dump();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < items.size(); ++i)
      EXPECT_EQ(got[i], expected[i]) << name << " item " << i;
  }
}

}  // namespace
}  // namespace r1
