#include "tasks/families/pyfunc_templates.h"

#include <algorithm>
#include <set>

#include "core/error.h"

namespace r1 {
namespace {

using Args = json;  // a JSON array of arguments

json none(Rng&) {
  return json::object();
}
json k_in(Rng& rng, int64_t lo, int64_t hi) {
  return {{"k", rng.range(lo, hi)}};
}
// Readers of a template's knobs (the parameters drawn once per task, e.g. {"k": 3}) and of
// one call's arguments (a JSON array).
int64_t knob_k(const json& k) {
  return k.at("k").get<int64_t>();
}
std::string knob_c(const json& k) {
  return k.at("c").get<std::string>();
}
int64_t int_arg(const Args& a, size_t i = 0) {
  return a.at(i).get<int64_t>();
}
std::string str_arg(const Args& a) {
  return a.at(0).get<std::string>();
}
std::vector<int64_t> list_arg(const Args& a) {
  return a.at(0).get<std::vector<int64_t>>();
}

std::vector<int64_t> int_list(Rng& rng, int64_t min_len, int64_t max_len, int64_t lo, int64_t hi) {
  std::vector<int64_t> xs(static_cast<size_t>(rng.range(min_len, max_len)));
  for (auto& x : xs) x = rng.range(lo, hi);
  return xs;
}

std::string word(Rng& rng, int64_t lo, int64_t hi, const std::string& alphabet) {
  std::string w(static_cast<size_t>(rng.range(lo, hi)), ' ');
  for (auto& ch : w) ch = alphabet[rng.below(alphabet.size())];
  return w;
}

const std::string kLetters = "abcdefghijklmnopqrstuvwxyz";

// 1..max_words lowercase words joined by single spaces.
std::string sentence(Rng& rng, int64_t max_words) {
  int64_t n = rng.range(1, max_words);
  std::string s;
  for (int64_t i = 0; i < n; ++i) s += cat(i ? " " : "", word(rng, 1, 6, kLetters));
  return s;
}

json one(json v) {
  return json::array({std::move(v)});
}

std::vector<PyTemplate> build() {
  std::vector<PyTemplate> t;
  // ---- level 1: one expression ----
  t.push_back(
      {"last_digit",
       1,
       "n",
       none,
       [](const json&) { return "returns the last decimal digit of the non-negative integer n."; },
       [](const json&) { return "def last_digit(n):\n    return n % 10\n"; },
       [](const json&) { return "The last digit is the remainder of n divided by 10."; },
       [](Rng& r, const json&) { return one(r.range(0, 99999)); },
       {one(0), one(10)},
       [](const Args& a, const json&) { return json(int_arg(a) % 10); }});
  t.push_back({"scale_list",
               1,
               "xs",
               [](Rng& r) { return k_in(r, 2, 9); },
               [](const json& k) {
                 return cat("returns a new list with every element of xs multiplied by ", knob_k(k),
                            ".");
               },
               [](const json& k) {
                 return cat("def scale_list(xs):\n    return [x * ", knob_k(k), " for x in xs]\n");
               },
               [](const json& k) {
                 return cat("Multiply each element by ", knob_k(k), " in a list comprehension.");
               },
               [](Rng& r, const json&) { return one(int_list(r, 0, 5, -20, 20)); },
               {one(json::array())},
               [](const Args& a, const json& k) {
                 json out = json::array();
                 for (int64_t x : list_arg(a)) out.push_back(x * knob_k(k));
                 return out;
               }});
  t.push_back({"reverse_string",
               1,
               "s",
               none,
               [](const json&) { return "returns the string s reversed."; },
               [](const json&) { return "def reverse_string(s):\n    return s[::-1]\n"; },
               [](const json&) { return "A slice with step -1 reverses a string."; },
               [](Rng& r, const json&) { return one(word(r, 2, 9, kLetters)); },
               {one(""), one("a")},
               [](const Args& a, const json&) {
                 std::string s = str_arg(a);
                 std::reverse(s.begin(), s.end());
                 return json(s);
               }});
  t.push_back({"count_letter",
               1,
               "s",
               [](Rng& r) {
                 return json{{"c", std::string(1, "abcdef"[r.below(6)])}};
               },
               [](const json& k) {
                 return cat("returns how many times the letter \"", knob_c(k), "\" occurs in s.");
               },
               [](const json& k) {
                 return cat("def count_letter(s):\n    return s.count(\"", knob_c(k), "\")\n");
               },
               [](const json& k) {
                 return cat("str.count counts the occurrences of \"", knob_c(k), "\".");
               },
               [](Rng& r, const json&) { return one(word(r, 1, 10, "abcdef")); },
               {one("")},
               [](const Args& a, const json& k) {
                 std::string s = str_arg(a);
                 return json(std::count(s.begin(), s.end(), knob_c(k)[0]));
               }});
  t.push_back({"sum_even",
               1,
               "xs",
               none,
               [](const json&) { return "returns the sum of the even numbers in the list xs."; },
               [](const json&) {
                 return "def sum_even(xs):\n    return sum(x for x in xs if x % 2 == 0)\n";
               },
               [](const json&) { return "Add up the elements x with x % 2 == 0."; },
               [](Rng& r, const json&) { return one(int_list(r, 1, 6, -20, 30)); },
               {one(json::array())},
               [](const Args& a, const json&) {
                 int64_t s = 0;
                 for (int64_t x : list_arg(a)) s += x % 2 == 0 ? x : 0;
                 return json(s);
               }});
  t.push_back({"span",
               1,
               "xs",
               none,
               [](const json&) {
                 return "returns the largest element of the non-empty list xs minus its smallest.";
               },
               [](const json&) { return "def span(xs):\n    return max(xs) - min(xs)\n"; },
               [](const json&) { return "Subtract min(xs) from max(xs)."; },
               [](Rng& r, const json&) { return one(int_list(r, 1, 6, -50, 50)); },
               {one(json::array({7}))},
               [](const Args& a, const json&) {
                 auto xs = list_arg(a);
                 return json(*std::max_element(xs.begin(), xs.end()) -
                             *std::min_element(xs.begin(), xs.end()));
               }});
  t.push_back({"is_multiple",
               1,
               "n",
               [](Rng& r) { return k_in(r, 2, 9); },
               [](const json& k) {
                 return cat("returns True if the integer n is divisible by ", knob_k(k),
                            ", else False.");
               },
               [](const json& k) {
                 return cat("def is_multiple(n):\n    return n % ", knob_k(k), " == 0\n");
               },
               [](const json& k) {
                 return cat("n is divisible by ", knob_k(k), " when n % ", knob_k(k), " is 0.");
               },
               [](Rng& r, const json& k) {
                 // Half the inputs are multiples and half are not, so both answers are tested.
                 int64_t n = r.range(0, 30) * knob_k(k);
                 return one(r.below(2) ? n : n + r.range(1, knob_k(k) - 1));
               },
               {one(0)},
               [](const Args& a, const json& k) { return json(int_arg(a) % knob_k(k) == 0); }});
  t.push_back(
      {"count_above",
       1,
       "xs",
       [](Rng& r) { return k_in(r, 0, 20); },
       [](const json& k) {
         return cat("returns how many elements of the list xs are greater than ", knob_k(k), ".");
       },
       [](const json& k) {
         return cat("def count_above(xs):\n    return sum(1 for x in xs if x > ", knob_k(k), ")\n");
       },
       [](const json& k) { return cat("Count the elements x with x > ", knob_k(k), "."); },
       [](Rng& r, const json&) { return one(int_list(r, 1, 7, 0, 40)); },
       {one(json::array())},
       [](const Args& a, const json& k) {
         int64_t c = 0;
         for (int64_t x : list_arg(a)) c += x > knob_k(k);
         return json(c);
       }});
  t.push_back({"shout",
               1,
               "s",
               none,
               [](const json&) { return "returns the string s in upper case followed by \"!\"."; },
               [](const json&) { return "def shout(s):\n    return s.upper() + \"!\"\n"; },
               [](const json&) { return "Use s.upper() and append \"!\"."; },
               [](Rng& r, const json&) { return one(sentence(r, 2)); },
               {one("")},
               [](const Args& a, const json&) {
                 std::string s = str_arg(a);
                 for (auto& ch : s)
                   ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                 return json(s + "!");
               }});
  t.push_back(
      {"ends",
       1,
       "s",
       none,
       [](const json&) {
         return "returns the first and the last character of the non-empty string s, joined.";
       },
       [](const json&) { return "def ends(s):\n    return s[0] + s[-1]\n"; },
       [](const json&) { return "Join s[0] and s[-1]."; },
       [](Rng& r, const json&) { return one(word(r, 2, 8, kLetters)); },
       {one("a")},
       [](const Args& a, const json&) {
         std::string s = str_arg(a);
         return json(std::string{s.front(), s.back()});
       }});

  // ---- level 2: a loop or a condition ----
  t.push_back(
      {"sum_digits",
       2,
       "n",
       none,
       [](const json&) {
         return "returns the sum of the decimal digits of the non-negative integer n.";
       },
       [](const json&) {
         return "def sum_digits(n):\n    total = 0\n    while n > 0:\n        total += n % 10\n"
                "        n //= 10\n    return total\n";
       },
       [](const json&) {
         return "Add n % 10 to a total and drop the digit with n //= 10 until n is 0.";
       },
       [](Rng& r, const json&) { return one(r.range(1, 999999)); },
       {one(0), one(7)},
       [](const Args& a, const json&) {
         int64_t n = int_arg(a), s = 0;
         for (; n > 0; n /= 10) s += n % 10;
         return json(s);
       }});
  t.push_back({"count_vowels",
               2,
               "s",
               none,
               [](const json&) {
                 return "returns the number of vowels (a, e, i, o, u) in the lowercase string s.";
               },
               [](const json&) {
                 return "def count_vowels(s):\n    return sum(1 for ch in s if ch in \"aeiou\")\n";
               },
               [](const json&) { return "Count the characters of s that are in \"aeiou\"."; },
               [](Rng& r, const json&) { return one(sentence(r, 3)); },
               {one("")},
               [](const Args& a, const json&) {
                 int64_t c = 0;
                 for (char ch : str_arg(a)) c += std::string("aeiou").find(ch) != std::string::npos;
                 return json(c);
               }});
  t.push_back({"is_palindrome",
               2,
               "s",
               none,
               [](const json&) {
                 return "returns True if the string s reads the same forwards and backwards.";
               },
               [](const json&) { return "def is_palindrome(s):\n    return s == s[::-1]\n"; },
               [](const json&) { return "Compare s with its reverse s[::-1]."; },
               [](Rng& r, const json&) {
                 std::string w = word(r, 1, 5, "abc");
                 if (r.below(2)) {  // half are palindromes, odd or even length
                   std::string back(w.rbegin(), w.rend());
                   w += r.below(2) ? back : back.substr(1);
                 }
                 return one(w);
               },
               {one(""), one("ab")},
               [](const Args& a, const json&) {
                 std::string s = str_arg(a);
                 return json(std::equal(s.begin(), s.end(), s.rbegin()));
               }});
  t.push_back(
      {"keep_above",
       2,
       "xs",
       [](Rng& r) { return k_in(r, 0, 20); },
       [](const json& k) {
         return cat("returns the elements of the list xs that are greater than ", knob_k(k),
                    ", in order.");
       },
       [](const json& k) {
         return cat("def keep_above(xs):\n    out = []\n    for x in xs:\n        if x > ",
                    knob_k(k), ":\n            out.append(x)\n    return out\n");
       },
       [](const json& k) { return cat("Loop over xs and keep each x with x > ", knob_k(k), "."); },
       [](Rng& r, const json&) { return one(int_list(r, 1, 7, 0, 40)); },
       {one(json::array())},
       [](const Args& a, const json& k) {
         json out = json::array();
         for (int64_t x : list_arg(a))
           if (x > knob_k(k)) out.push_back(x);
         return out;
       }});
  t.push_back(
      {"running_sum",
       2,
       "xs",
       none,
       [](const json&) {
         return "returns the running totals of the list xs: entry i is xs[0] + ... + xs[i].";
       },
       [](const json&) {
         return "def running_sum(xs):\n    out = []\n    total = 0\n    for x in xs:\n"
                "        total += x\n        out.append(total)\n    return out\n";
       },
       [](const json&) { return "Keep a total, add each x to it and append the total."; },
       [](Rng& r, const json&) { return one(int_list(r, 1, 6, -10, 20)); },
       {one(json::array())},
       [](const Args& a, const json&) {
         json out = json::array();
         int64_t s = 0;
         for (int64_t x : list_arg(a)) out.push_back(s += x);
         return out;
       }});
  t.push_back({"factorial",
               2,
               "n",
               none,
               [](const json&) { return "returns n! for an integer 0 <= n <= 15 (0! is 1)."; },
               [](const json&) {
                 return "def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n"
                        "        result *= i\n    return result\n";
               },
               [](const json&) { return "Multiply 1 by every i from 2 to n."; },
               [](Rng& r, const json&) { return one(r.range(2, 15)); },
               {one(0), one(1)},
               [](const Args& a, const json&) {
                 int64_t f = 1;
                 for (int64_t i = 2; i <= int_arg(a); ++i) f *= i;
                 return json(f);
               }});
  t.push_back(
      {"remove_letter",
       2,
       "s",
       [](Rng& r) {
         return json{{"c", std::string(1, "abcde"[r.below(5)])}};
       },
       [](const json& k) {
         return cat("returns the string s with every \"", knob_c(k), "\" removed.");
       },
       [](const json& k) {
         return cat("def remove_letter(s):\n    return s.replace(\"", knob_c(k), "\", \"\")\n");
       },
       [](const json& k) { return cat("Replace \"", knob_c(k), "\" by the empty string."); },
       [](Rng& r, const json&) { return one(word(r, 1, 10, "abcdefg")); },
       {one("")},
       [](const Args& a, const json& k) {
         std::string s = str_arg(a), out;
         for (char ch : s)
           if (ch != knob_c(k)[0]) out += ch;
         return json(out);
       }});
  t.push_back(
      {"caesar",
       2,
       "s",
       [](Rng& r) { return k_in(r, 1, 25); },
       [](const json& k) {
         return cat("returns s with each lowercase letter moved ", knob_k(k),
                    " places forward in the alphabet (z wraps to a); other characters stay.");
       },
       [](const json& k) {
         return cat(
             "def caesar(s):\n    out = \"\"\n    for ch in s:\n        if \"a\" <= ch <= \"z\":\n"
             "            ch = chr((ord(ch) - 97 + ",
             knob_k(k),
             ") % 26 + 97)\n        out += ch\n"
             "    return out\n");
       },
       [](const json& k) {
         return cat("Shift each letter with chr((ord(ch) - 97 + ", knob_k(k), ") % 26 + 97).");
       },
       [](Rng& r, const json&) { return one(sentence(r, 2)); },
       {one(""), one("xyz")},
       [](const Args& a, const json& k) {
         std::string s = str_arg(a);
         for (auto& ch : s) {
           if (ch >= 'a' && ch <= 'z') ch = static_cast<char>((ch - 'a' + knob_k(k)) % 26 + 'a');
         }
         return json(s);
       }});
  t.push_back(
      {"dedupe",
       2,
       "xs",
       none,
       [](const json&) {
         return "returns the list xs without repeated values, keeping the first of each.";
       },
       [](const json&) {
         return "def dedupe(xs):\n    out = []\n    for x in xs:\n        if x not in out:\n"
                "            out.append(x)\n    return out\n";
       },
       [](const json&) { return "Append each x to the result unless it is already there."; },
       [](Rng& r, const json&) { return one(int_list(r, 2, 8, 0, 5)); },
       {one(json::array())},
       [](const Args& a, const json&) {
         json out = json::array();
         std::set<int64_t> seen;
         for (int64_t x : list_arg(a))
           if (seen.insert(x).second) out.push_back(x);
         return out;
       }});
  t.push_back({"clamp_all",
               2,
               "xs",
               [](Rng& r) {
                 int64_t lo = r.range(0, 10);
                 return json{{"lo", lo}, {"hi", lo + r.range(5, 20)}};
               },
               [](const json& k) {
                 return cat("returns the list xs with each element limited to the range ",
                            k["lo"].get<int64_t>(), " to ", k["hi"].get<int64_t>(),
                            " (values outside move to the nearest end).");
               },
               [](const json& k) {
                 return cat("def clamp_all(xs):\n    return [min(max(x, ", k["lo"].get<int64_t>(),
                            "), ", k["hi"].get<int64_t>(), ") for x in xs]\n");
               },
               [](const json& k) {
                 return cat("Take min(max(x, ", k["lo"].get<int64_t>(), "), ",
                            k["hi"].get<int64_t>(), ") for each x.");
               },
               [](Rng& r, const json&) { return one(int_list(r, 1, 6, -10, 40)); },
               {one(json::array())},
               [](const Args& a, const json& k) {
                 json out = json::array();
                 for (int64_t x : list_arg(a)) {
                   out.push_back(
                       std::min(std::max(x, k["lo"].get<int64_t>()), k["hi"].get<int64_t>()));
                 }
                 return out;
               }});
  t.push_back({"fizzbuzz",
               2,
               "n",
               none,
               [](const json&) {
                 return "returns \"FizzBuzz\" if n is divisible by 15, \"Fizz\" if by 3, \"Buzz\" "
                        "if by 5, else str(n).";
               },
               [](const json&) {
                 return "def fizzbuzz(n):\n    if n % 15 == 0:\n        return \"FizzBuzz\"\n    "
                        "if n % 3 == 0:\n"
                        "        return \"Fizz\"\n    if n % 5 == 0:\n        return \"Buzz\"\n    "
                        "return str(n)\n";
               },
               [](const json&) { return "Test divisibility by 15 first, then 3, then 5."; },
               [](Rng& r, const json&) { return one(r.range(1, 100)); },
               {one(15), one(9), one(10), one(7)},
               [](const Args& a, const json&) {
                 int64_t n = int_arg(a);
                 return json(n % 15 == 0  ? "FizzBuzz"
                             : n % 3 == 0 ? "Fizz"
                             : n % 5 == 0 ? "Buzz"
                                          : std::to_string(n));
               }});

  // ---- level 3: a small algorithm ----
  t.push_back({"fib",
               3,
               "n",
               none,
               [](const json&) {
                 return "returns the n-th Fibonacci number, where fib(0) is 0 and fib(1) is 1.";
               },
               [](const json&) {
                 return "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a "
                        "+ b\n    return a\n";
               },
               [](const json&) {
                 return "Step the pair (a, b) to (b, a + b) n times, starting from (0, 1).";
               },
               [](Rng& r, const json&) { return one(r.range(2, 40)); },
               {one(0), one(1)},
               [](const Args& a, const json&) {
                 int64_t x = 0, y = 1;
                 for (int64_t i = 0; i < int_arg(a); ++i) {
                   int64_t z = x + y;
                   x = y;
                   y = z;
                 }
                 return json(x);
               }});
  t.push_back(
      {"count_primes",
       3,
       "n",
       none,
       [](const json&) { return "returns how many prime numbers are less than or equal to n."; },
       [](const json&) {
         return "def count_primes(n):\n    count = 0\n    for m in range(2, n + 1):\n        d = "
                "2\n"
                "        while d * d <= m and m % d != 0:\n            d += 1\n"
                "        if d * d > m:\n            count += 1\n    return count\n";
       },
       [](const json&) { return "For each m from 2 to n, look for a divisor d with d * d <= m."; },
       [](Rng& r, const json&) { return one(r.range(2, 200)); },
       {one(0), one(1), one(2)},
       [](const Args& a, const json&) {
         int64_t c = 0;
         for (int64_t m = 2; m <= int_arg(a); ++m) {
           int64_t d = 2;
           while (d * d <= m && m % d != 0) ++d;
           c += d * d > m;
         }
         return json(c);
       }});
  t.push_back({"gcd",
               3,
               "a, b",
               none,
               [](const json&) {
                 return "returns the greatest common divisor of the positive integers a and b.";
               },
               [](const json&) {
                 return "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n";
               },
               [](const json&) { return "Euclid: replace (a, b) by (b, a % b) until b is 0."; },
               [](Rng& r, const json&) {
                 int64_t g = r.range(1, 12);
                 int64_t x = r.range(1, 20);
                 int64_t y = r.range(1, 20);
                 return json::array({g * x, g * y});
               },
               {json::array({7, 7}), json::array({1, 9})},
               [](const Args& a, const json&) {
                 int64_t x = int_arg(a, 0), y = int_arg(a, 1);
                 while (y) {
                   int64_t z = x % y;
                   x = y;
                   y = z;
                 }
                 return json(x);
               }});
  t.push_back(
      {"rle",
       3,
       "s",
       none,
       [](const json&) {
         return "returns s run-length encoded: each run of one letter becomes the letter and the "
                "run length.";
       },
       [](const json&) {
         return "def rle(s):\n    out = \"\"\n    i = 0\n    while i < len(s):\n        j = i\n"
                "        while j < len(s) and s[j] == s[i]:\n            j += 1\n"
                "        out += s[i] + str(j - i)\n        i = j\n    return out\n";
       },
       [](const json&) { return "Find where each run ends and write its letter and length."; },
       [](Rng& r, const json&) {
         std::string s;
         int64_t runs = r.range(1, 4);
         for (int64_t i = 0; i < runs; ++i) {
           int64_t len = r.range(1, 4);
           s += std::string(static_cast<size_t>(len), "abc"[r.below(3)]);
         }
         return one(s);
       },
       {one(""), one("a")},
       [](const Args& a, const json&) {
         std::string s = str_arg(a), out;
         for (size_t i = 0; i < s.size();) {
           size_t j = i;
           while (j < s.size() && s[j] == s[i]) ++j;
           out += cat(s[i], j - i);
           i = j;
         }
         return json(out);
       }});
  t.push_back(
      {"second_largest",
       3,
       "xs",
       none,
       [](const json&) {
         return "returns the second largest distinct value in the list xs (it has at least two).";
       },
       [](const json&) { return "def second_largest(xs):\n    return sorted(set(xs))[-2]\n"; },
       [](const json&) { return "Sort the distinct values and take the one before the last."; },
       [](Rng& r, const json&) {
         std::vector<int64_t> xs;
         do xs = int_list(r, 2, 7, 0, 30);
         while (std::set<int64_t>(xs.begin(), xs.end()).size() < 2);
         return one(xs);
       },
       {one(json::array({5, 5, 3})), one(json::array({1, 2}))},
       [](const Args& a, const json&) {
         auto xs = list_arg(a);
         std::set<int64_t> s(xs.begin(), xs.end());
         return json(*std::next(s.rbegin()));
       }});
  t.push_back({"rotate_left",
               3,
               "xs",
               [](Rng& r) { return k_in(r, 1, 4); },
               [](const json& k) {
                 return cat("returns the list xs rotated left by ", knob_k(k),
                            " places, cycling if xs is shorter; [] stays [].");
               },
               [](const json& k) {
                 return cat("def rotate_left(xs):\n    if not xs:\n        return []\n    k = ",
                            knob_k(k), " % len(xs)\n    return xs[k:] + xs[:k]\n");
               },
               [](const json& k) {
                 return cat("Reduce ", knob_k(k), " modulo len(xs), then join xs[k:] and xs[:k].");
               },
               [](Rng& r, const json&) { return one(int_list(r, 1, 6, 0, 9)); },
               {one(json::array()), one(json::array({4}))},
               [](const Args& a, const json& k) {
                 auto xs = list_arg(a);
                 if (!xs.empty())
                   std::rotate(xs.begin(), xs.begin() + knob_k(k) % static_cast<int64_t>(xs.size()),
                               xs.end());
                 return json(xs);
               }});
  t.push_back(
      {"collatz_steps",
       3,
       "n",
       none,
       [](const json&) {
         return "returns the number of steps from n >= 1 to 1, a step taking even n to n // 2 and "
                "odd n to 3 * n + 1.";
       },
       [](const json&) {
         return "def collatz_steps(n):\n    steps = 0\n    while n != 1:\n        if n % 2 == 0:\n"
                "            n //= 2\n        else:\n            n = 3 * n + 1\n        steps += "
                "1\n"
                "    return steps\n";
       },
       [](const json&) { return "Apply the rule in a loop and count the steps until n is 1."; },
       [](Rng& r, const json&) { return one(r.range(2, 100)); },
       {one(1), one(2)},
       [](const Args& a, const json&) {
         int64_t n = int_arg(a), steps = 0;
         for (; n != 1; ++steps) n = n % 2 == 0 ? n / 2 : 3 * n + 1;
         return json(steps);
       }});
  t.push_back({"capitalize_words",
               3,
               "s",
               none,
               [](const json&) {
                 return "returns s (lowercase words joined by single spaces) with each word's "
                        "first letter in upper case.";
               },
               [](const json&) {
                 return "def capitalize_words(s):\n    return \" \".join(w[0].upper() + w[1:] for "
                        "w in s.split(\" \"))\n";
               },
               [](const json&) {
                 return "Split on spaces, upper-case each word's first letter, join with spaces.";
               },
               [](Rng& r, const json&) { return one(sentence(r, 4)); },
               {one("a")},
               [](const Args& a, const json&) {
                 std::string s = str_arg(a);
                 for (size_t i = 0; i < s.size(); ++i) {
                   if (i == 0 || s[i - 1] == ' ')
                     s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
                 }
                 return json(s);
               }});
  t.push_back({"adjacent_sums",
               3,
               "xs",
               none,
               [](const json&) {
                 return "returns the list of sums of neighbouring elements: xs[0] + xs[1], xs[1] + "
                        "xs[2], ...";
               },
               [](const json&) {
                 return "def adjacent_sums(xs):\n    return [xs[i] + xs[i + 1] for i in "
                        "range(len(xs) - 1)]\n";
               },
               [](const json&) { return "For each i up to len(xs) - 2, add xs[i] and xs[i + 1]."; },
               [](Rng& r, const json&) { return one(int_list(r, 2, 7, -10, 30)); },
               {one(json::array()), one(json::array({3}))},
               [](const Args& a, const json&) {
                 auto xs = list_arg(a);
                 json out = json::array();
                 for (size_t i = 0; i + 1 < xs.size(); ++i) out.push_back(xs[i] + xs[i + 1]);
                 return out;
               }});
  t.push_back({"to_binary",
               3,
               "n",
               none,
               [](const json&) {
                 return "returns the non-negative integer n written in binary, as a string without "
                        "a prefix.";
               },
               [](const json&) { return "def to_binary(n):\n    return bin(n)[2:]\n"; },
               [](const json&) { return "bin(n) gives \"0b...\"; drop the first two characters."; },
               [](Rng& r, const json&) { return one(r.range(2, 1000)); },
               {one(0), one(1)},
               [](const Args& a, const json&) {
                 int64_t n = int_arg(a);
                 std::string s;
                 do {
                   s.insert(s.begin(), static_cast<char>('0' + n % 2));
                   n /= 2;
                 } while (n > 0);
                 return json(s);
               }});
  t.push_back(
      {"longest_word",
       3,
       "s",
       none,
       [](const json&) {
         return "returns the longest word in s (words are separated by spaces); the first one if "
                "several tie.";
       },
       [](const json&) {
         return "def longest_word(s):\n    best = \"\"\n    for w in s.split():\n"
                "        if len(w) > len(best):\n            best = w\n    return best\n";
       },
       [](const json&) {
         return "Keep the longest word seen so far; only a strictly longer word replaces it.";
       },
       [](Rng& r, const json&) { return one(sentence(r, 4)); },
       {one("ab cd")},
       [](const Args& a, const json&) {
         std::string s = str_arg(a), best, w;
         for (size_t i = 0; i <= s.size(); ++i) {
           if (i == s.size() || s[i] == ' ') {
             if (w.size() > best.size()) best = w;
             w.clear();
           } else {
             w += s[i];
           }
         }
         return json(best);
       }});
  return t;
}

}  // namespace

const std::vector<PyTemplate>& py_templates() {
  static const std::vector<PyTemplate> templates = build();
  return templates;
}

const PyTemplate& py_template(const std::string& name) {
  std::string known;
  for (const auto& t : py_templates()) {
    if (t.name == name) return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  fail("unknown pyfunc template '", name, "' (known: ", known, ")");
}

}  // namespace r1
