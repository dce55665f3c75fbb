#include "verifiers/math/normalize.h"

#include <algorithm>
#include <cstring>

namespace r1 {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty() || s.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, from.size(), from) == 0) {
      out += to;
      i += from.size();
    } else {
      out += s[i++];
    }
  }
  s.swap(out);
}

// Index of the brace closing the one at s[open], or npos.
size_t matching_brace(const std::string& s, size_t open) {
  int depth = 0;
  for (size_t j = open; j < s.size(); ++j) {
    if (s[j] == '\\' && j + 1 < s.size() && (s[j + 1] == '{' || s[j + 1] == '}')) {
      ++j;
      continue;
    }
    if (s[j] == '{')
      ++depth;
    else if (s[j] == '}' && --depth == 0)
      return j;
  }
  return std::string::npos;
}

// \name{X} -> X (with `pad` around X), for every occurrence, nested ones included.
void unwrap_command(std::string& s, std::string_view name, std::string_view pad = "") {
  std::string pat = "\\" + std::string(name);
  size_t from = 0;
  for (int guard = 0; guard < 500; ++guard) {
    size_t p = s.find(pat, from);
    if (p == std::string::npos) return;
    size_t q = p + pat.size();
    if (q < s.size() && is_alpha(s[q])) {
      from = q;
      continue;
    }
    while (q < s.size() && s[q] == ' ') ++q;
    if (q >= s.size() || s[q] != '{') {
      s.erase(p, q - p);  // a bare \name: drop it
      from = p;
      continue;
    }
    size_t e = matching_brace(s, q);
    if (e == std::string::npos) return;
    std::string inner = s.substr(q + 1, e - q - 1);
    s.replace(p, e + 1 - p, std::string(pad) + inner + std::string(pad));
    from = p;
  }
}

// One pass over the text's letter commands: sizing and style commands go, spacing becomes a
// space, synonyms get one spelling (\dfrac -> \frac, \times -> *, \le -> \leq), and a degree
// sign becomes `degree`. A command is its whole run of letters: \leqslant is not \le.
void rewrite_commands(std::string& s, const char* degree) {
  if (s.find('\\') == std::string::npos) return;
  struct Rewrite {
    std::string_view name;
    const char* to;  // nullptr: the degree replacement
  };
  // clang-format off
  static const Rewrite kRewrites[] = {
      {"left", ""}, {"right", ""}, {"bigl", ""}, {"bigr", ""}, {"Bigl", ""}, {"Bigr", ""},
      {"biggl", ""}, {"biggr", ""}, {"big", ""}, {"Big", ""}, {"bigg", ""}, {"Bigg", ""},
      {"displaystyle", ""}, {"textstyle", ""}, {"limits", ""},
      {"quad", " "}, {"qquad", " "},
      {"circ", nullptr}, {"degree", nullptr},
      {"dfrac", "\\frac"}, {"tfrac", "\\frac"}, {"cfrac", "\\frac"},
      {"dbinom", "\\binom"}, {"tbinom", "\\binom"},
      {"cdot", "*"}, {"times", "*"}, {"ast", "*"}, {"div", "/"},
      {"infinity", "\\infty"}, {"varnothing", "\\emptyset"},
      {"le", "\\leq"}, {"ge", "\\geq"}, {"neq", "\\ne"}, {"leqslant", "\\leq"},
      {"geqslant", "\\geq"}};
  // clang-format on
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < s.size() && is_alpha(s[j])) ++j;
    if (j == i + 1) {  // "\{", "\%", a row separator: not a letter command; keep both bytes
      out.append(s, i, 2);
      i += 2;
      continue;
    }
    std::string_view name(s.data() + i + 1, j - i - 1);
    const Rewrite* hit = nullptr;
    for (const Rewrite& r : kRewrites) {
      if (r.name == name) hit = &r;
    }
    if (hit)
      out += hit->to ? hit->to : degree;
    else
      out.append(s, i, j - i);
    i = j;
  }
  s.swap(out);
}

// "1{,}000" and "10,\!080" are LaTeX thousands separators.
void latex_thousands(std::string& s) {
  replace_all(s, "{,}", ",");
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',' && s.compare(i + 1, 2, "\\!") == 0 && i > 0 && is_digit(s[i - 1])) {
      size_t j = i + 3;
      while (j < s.size() && s[j] == ' ') ++j;
      if (j + 3 <= s.size() && is_digit(s[j]) && is_digit(s[j + 1]) && is_digit(s[j + 2]) &&
          (j + 3 == s.size() || !is_digit(s[j + 3]))) {
        out += ',';
        i = j - 1;
        continue;
      }
    }
    out += s[i];
  }
  s.swap(out);
}

// Removes the spaces in 1 234 567 (SI digit groups: a lead of one to three digits, then groups
// of exactly three; not after a decimal point). A hedge such as "100 200" becomes one number,
// which equals neither.
void spaced_thousands(std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    bool token_start = i == 0 || !(is_digit(s[i - 1]) || is_alpha(s[i - 1]) || s[i - 1] == '.');
    if (is_digit(s[i]) && token_start) {
      size_t j = i;
      while (j < s.size() && is_digit(s[j])) ++j;
      size_t k = j;
      while (j - i <= 3 && k + 3 < s.size() && s[k] == ' ' && is_digit(s[k + 1]) &&
             is_digit(s[k + 2]) && is_digit(s[k + 3]) &&
             (k + 4 >= s.size() || !(is_digit(s[k + 4]) || is_alpha(s[k + 4])))) {
        k += 4;
      }
      for (size_t t = i; t < k; ++t) {
        if (s[t] != ' ') out += s[t];
      }
      i = k;
      continue;
    }
    out += s[i++];
  }
  s.swap(out);
}

// Removes commas in 1,234,567 (groups of exactly three digits; not after a decimal point).
void plain_thousands(std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (is_digit(s[i]) && (i == 0 || (!is_digit(s[i - 1]) && s[i - 1] != '.'))) {
      size_t j = i;
      while (j < s.size() && is_digit(s[j])) ++j;
      size_t lead = j - i;
      size_t k = j;
      int groups = 0;
      while (lead <= 3 && k + 3 < s.size() && s[k] == ',' && is_digit(s[k + 1]) &&
             is_digit(s[k + 2]) && is_digit(s[k + 3]) &&
             (k + 4 >= s.size() || !is_digit(s[k + 4]))) {
        k += 4;
        ++groups;
      }
      if (groups > 0) {
        for (size_t t = i; t < k; ++t) {
          if (s[t] != ',') out += s[t];
        }
      } else {
        out.append(s, i, j - i);
        k = j;
      }
      i = k;
      continue;
    }
    out += s[i++];
  }
  s.swap(out);
}

// "1.5e3", "2E-5", "6.02e+23" -> "1.5*10^{3}", ...: a number token, an 'e' or 'E', an
// optional sign and digits, and then nothing that continues a word.
void scientific_notation(std::string& s) {
  if (s.find_first_of("eE") == std::string::npos) return;
  std::string out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    bool token_start = i == 0 || !(is_digit(s[i - 1]) || is_alpha(s[i - 1]) || s[i - 1] == '.' ||
                                   s[i - 1] == '\\' || s[i - 1] == '_');
    if (!(token_start &&
          (is_digit(s[i]) || (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]))))) {
      out += s[i++];
      continue;
    }
    size_t j = i;
    while (j < s.size() && (is_digit(s[j]) || s[j] == '.')) ++j;
    size_t k = j;
    if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
      ++k;
      if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
      size_t d = k;
      while (k < s.size() && is_digit(s[k])) ++k;
      bool ends = k == s.size() || !(is_alpha(s[k]) || s[k] == '.' || s[k] == '_');
      if (k > d && ends) {
        out.append(s, i, j - i);
        out += "*10^{";
        if (s[j + 1] == '-') out += '-';
        out.append(s, d, k - d);
        out += '}';
        i = k;
        continue;
      }
    }
    out.append(s, i, j - i);
    i = j;
  }
  s.swap(out);
}

// "x != 3" -> "x \ne 3"; but "5!=120" is a factorial in an equation.
void not_equal_sign(std::string& s) {
  if (s.find("!=") == std::string::npos) return;
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '!' && i + 1 < s.size() && s[i + 1] == '=' &&
        !(i > 0 && (is_digit(s[i - 1]) || s[i - 1] == ')'))) {
      out += "\\ne ";
      ++i;
      continue;
    }
    out += s[i];
  }
  s.swap(out);
}

bool is_function_word(std::string_view w) {
  static const char* const kWords[] = {"sin",      "cos",    "tan",    "sec",  "csc",  "cot",
                                       "arcsin",   "arccos", "arctan", "sinh", "cosh", "tanh",
                                       "ln",       "log",    "exp",    "sqrt", "pi",   "infty",
                                       "infinity", "frac",   "abs",    "and",  "or"};
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

}  // namespace

// Words that scale the number before them: "2 million" is not 2.
bool is_scale_word(std::string_view w) {
  static const char* const kScales[] = {
      "hundred",  "hundreds", "thousand",  "thousands", "million", "millions", "billion",
      "billions", "trillion", "trillions", "dozen",     "dozens",  "lakh",     "lakhs",
      "crore",    "crores",   "myriad",    "myriads",   "score",   "scores"};
  for (const char* k : kScales) {
    if (w == k) return true;
  }
  return false;
}

bool changes_value(std::string_view w) {
  // Not counted nouns that may name what was asked ("18 pairs", "18 squares"): only words
  // that always change the number.
  static const char* const kWords[] = {
      "squared",    "cubed",       "halves", "thirds",    "quarters", "minus",
      "plus",       "negative",    "less",   "more",      "fewer",    "off",
      "over",       "under",       "short",  "negatives", "inverse",  "inverses",
      "reciprocal", "reciprocals", "tens",   "twenties",  "grosses",  "dozens"};
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  // A fraction's denominator as a plural ordinal: tenths, sixths, twelfths, twentieths,
  // billionths (not months, widths, lengths).
  if (w.size() < 5 || w.substr(w.size() - 3) != "ths") return false;
  const std::string_view stem = w.substr(0, w.size() - 3);
  for (std::string_view root :
       {"four", "fif", "six", "seven", "eigh", "nin", "ten", "eleven", "twelf", "teen", "tie",
        "hundred", "thousand", "million", "billion", "trillion"})
    if (stem.size() >= root.size() && stem.substr(stem.size() - root.size()) == root) return true;
  return false;
}

namespace {

bool is_unit_word(std::string_view w) {
  static const char* const kUnits[] = {
      "cm",      "mm",     "km",      "m",      "in",       "ft",     "yd",     "mi",     "kg",
      "g",       "mg",     "lb",      "lbs",    "oz",       "s",      "sec",    "min",    "mins",
      "hr",      "hrs",    "h",       "mph",    "kph",      "ml",     "l",      "cc",     "sq",
      "cu",      "st",     "nd",      "rd",     "th",       "am",     "pm",     "usd",    "cent",
      "cents",   "dollar", "dollars", "degree", "degrees",  "inch",   "inches", "foot",   "feet",
      "yard",    "yards",  "mile",    "miles",  "meter",    "meters", "metre",  "metres", "hour",
      "hours",   "minute", "minutes", "second", "seconds",  "day",    "days",   "week",   "weeks",
      "month",   "months", "year",    "years",  "unit",     "units",  "square", "cubic",  "percent",
      "pound",   "pounds", "gram",    "grams",  "liter",    "liters", "litre",  "litres", "gallon",
      "gallons", "ounce",  "ounces",  "people", "students", "times",  "per",    "each"};
  for (const char* k : kUnits) {
    if (w == k) return true;
  }
  return false;
}

// Strips unit words after a number: "18 dollars", "15 cm^2", "5.4 cents", "3 square feet".
// Only words after the last digit go, and only when a digit stays: "x cm" keeps its letters.
void strip_units(std::string& s) {
  for (int guard = 0; guard < 8; ++guard) {
    size_t e = s.size();
    while (e > 0 && is_space(s[e - 1])) --e;
    size_t p = e;
    // An optional ^2 / ^3 / ^{2} after the unit word.
    if (p >= 2 && is_digit(s[p - 1]) && s[p - 2] == '^')
      p -= 2;
    else if (p >= 4 && s[p - 1] == '}' && is_digit(s[p - 2]) && s[p - 3] == '{' && s[p - 4] == '^')
      p -= 4;
    size_t w_end = p;
    while (p > 0 && (is_alpha(s[p - 1]) || s[p - 1] == '.')) --p;
    if (p == w_end) return;
    std::string word = s.substr(p, w_end - p);
    while (!word.empty() && word.back() == '.') word.pop_back();
    std::transform(word.begin(), word.end(), word.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    if (word.empty() || (p > 0 && s[p - 1] == '\\')) return;  // a LaTeX command, not a word
    if (is_scale_word(word) || changes_value(word)) return;
    bool spaced = p > 0 && is_space(s[p - 1]);
    size_t b = p;
    while (b > 0 && is_space(s[b - 1])) --b;
    if (b == 0) return;
    char before = s[b - 1];
    bool after_value = is_digit(before) || before == '}' || before == ')' || is_alpha(before);
    if (!after_value) return;
    // Glued to the value ("5cm") only a known unit of two or more letters goes: "5m" may be 5*m.
    // A word that is not a known unit goes only when it reads as a plural noun ("3 apples"):
    // "18 factorial", "18 lakh", "18 reciprocal" stay, and do not parse.
    bool plural = word.size() >= 4 && word.back() == 's' && !is_function_word(word);
    bool unit = spaced ? (is_unit_word(word) || plural) : (word.size() >= 2 && is_unit_word(word));
    if (!unit) return;
    // Units follow values; a word after a word ("square feet") is fine once a digit precedes.
    std::string rest = s.substr(0, b);
    if (std::none_of(rest.begin(), rest.end(), is_digit)) return;
    if (is_alpha(before) && !spaced) return;
    s = rest;
  }
}

// "x = 5", "k=-3", "a_1 = 2", "x \in [1,2]": drop the lone variable on the left. True when an
// "=" was dropped (an "\in" names a set already).
bool strip_variable_prefix(std::string& s) {
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  size_t v = i;
  if (i < s.size() && s[i] == '\\') {  // a Greek letter such as \theta
    ++i;
    while (i < s.size() && is_alpha(s[i])) ++i;
  } else if (i < s.size() && is_alpha(s[i])) {
    ++i;
  } else {
    return false;
  }
  std::string name = s.substr(v, i - v);
  if (name == "\\frac" || name == "\\sqrt" || name == "\\pi" || name == "\\infty" ||
      name == "\\not" || name == "\\ne") {
    return false;
  }
  if (i < s.size() && s[i] == '_') {  // a subscript
    ++i;
    if (i < s.size() && s[i] == '{') {
      while (i < s.size() && s[i] != '}') ++i;
      if (i < s.size()) ++i;
    } else if (i < s.size()) {
      ++i;
    }
  }
  while (i < s.size() && is_space(s[i])) ++i;
  if (i < s.size() && s[i] == '=' && s.find('=', i + 1) == std::string::npos &&
      (i + 1 >= s.size() || (s[i + 1] != '<' && s[i + 1] != '>'))) {
    s.erase(0, i + 1);
    return true;
  }
  if (s.compare(i, 3, "\\in") == 0 && (i + 3 >= s.size() || !is_alpha(s[i + 3]))) s.erase(0, i + 3);
  return false;
}

// "x = 2, 5" lists the values x takes: a set, not the point or interval "(2, 5)" that a bare
// "2, 5" may stand for (an audit: "x = -\sqrt{3}, \sqrt{3}" matched the interval gold
// "(-\sqrt{3}, \sqrt{3})"). Only a comma outside brackets makes a list.
void values_of_variable_as_set(std::string& s) {
  int depth = 0;
  bool comma = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {  // "\{", "\}" are brackets too; other escapes skip
      depth += s[i + 1] == '{' ? 1 : s[i + 1] == '}' ? -1 : 0;
      ++i;
      continue;
    }
    depth += (c == '(' || c == '[' || c == '{') ? 1 : (c == ')' || c == ']' || c == '}') ? -1 : 0;
    if (c == ',' && depth == 0) comma = true;
  }
  if (comma) {
    s.insert(0, "\\{");
    s += "\\}";
  }
}

void collapse_spaces(std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  s.swap(out);
}

void strip_trailing_punctuation(std::string& s) {
  for (;;) {
    while (!s.empty() && is_space(s.back())) s.pop_back();
    if (s.empty()) return;
    char c = s.back();
    if (c == '.' || c == ';' || c == ',' || c == ':') {
      s.pop_back();
      continue;
    }
    if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\\.") == 0) {
      s.resize(s.size() - 2);
      continue;
    }
    return;
  }
}

}  // namespace

std::string normalize_answer(std::string_view text, const NormalizeOptions& options) {
  std::string s(text);
  if (s.size() > kMaxAnswerLength) return s;

  // Unicode spellings.
  replace_all(s, "\xE2\x88\x92", "-");         // −
  replace_all(s, "\xC3\x97", "\\times ");      // ×
  replace_all(s, "\xC3\xB7", "\\div ");        // ÷
  replace_all(s, "\xC2\xB7", "\\cdot ");       // ·
  replace_all(s, "\xE2\x8B\x85", "\\cdot ");   // ⋅
  replace_all(s, "\xCF\x80", "\\pi ");         // π
  replace_all(s, "\xE2\x88\x9E", "\\infty ");  // ∞
  replace_all(s, "\xE2\x88\x9A", "\\sqrt");    // √
  replace_all(s, "\xC2\xB0", "^\\circ ");      // °
  replace_all(s, "\xC2\xA0", " ");             // no-break space
  replace_all(s, "\xE2\x88\xAA", "\\cup ");    // ∪
  replace_all(s, "\xC2\xB1", "\\pm ");         // ±
  replace_all(s, "\xE2\x89\xA4", "\\leq ");    // ≤
  replace_all(s, "\xE2\x89\xA5", "\\geq ");    // ≥
  replace_all(s, "\xE2\x89\xA0", "\\ne ");     // ≠
  replace_all(s, "\\not=", "\\ne ");
  replace_all(s, "\\not =", "\\ne ");
  replace_all(s, "<=", "\\leq ");
  replace_all(s, ">=", "\\geq ");
  not_equal_sign(s);

  // Math-mode delimiters and dollar signs (currency or math mode: neither changes the value).
  replace_all(s, "\\$", "");
  replace_all(s, "$", "");
  replace_all(s, "\\(", "");
  replace_all(s, "\\)", "");
  replace_all(s, "\\[", "");
  replace_all(s, "\\]", "");

  const bool commands = s.find('\\') != std::string::npos;
  for (const char* cmd : {"boxed", "fbox"}) {
    if (commands) unwrap_command(s, cmd);
  }
  for (const char* cmd :
       {"text", "textbf", "textit", "textrm", "textnormal", "mathrm", "mathbf", "mathit", "mathsf",
        "mathtt", "mbox", "hbox", "operatorname", "emph", "mathnormal", "displaystyle", "mathbb"}) {
    if (commands) unwrap_command(s, cmd);
  }
  // Protect the matrix row separator "\\" from the spacing rules below ("\ " is a space).
  replace_all(s, "\\\\", "\x02");
  latex_thousands(s);
  replace_all(s, "\\!", "");
  for (const char* sp : {"\\,", "\\;", "\\:", "\\ ", "~"}) replace_all(s, sp, " ");

  // Degrees and percent signs.
  const char* degree = options.degrees_as_radians ? "*\\pi/180" : "";
  replace_all(s, "^{\\circ}", degree);
  replace_all(s, "^\\circ", degree);
  rewrite_commands(s, degree);
  const char* percent = options.percent_as_fraction ? "/100" : "";
  replace_all(s, "\\%", percent);
  replace_all(s, "%", percent);
  scientific_notation(s);

  collapse_spaces(s);
  strip_trailing_punctuation(s);
  bool variable = !options.keep_variable_prefix && strip_variable_prefix(s);
  plain_thousands(s);
  spaced_thousands(s);
  strip_units(s);
  collapse_spaces(s);
  strip_trailing_punctuation(s);
  // A second pass catches "x = \text{5 cm}"-like nesting revealed by the first.
  variable = (!options.keep_variable_prefix && strip_variable_prefix(s)) || variable;
  collapse_spaces(s);
  if (variable) values_of_variable_as_set(s);
  if (!s.empty() && s.front() == ' ') s.erase(0, 1);
  replace_all(s, "\x02", "\\\\");
  return s;
}

namespace {

// Spaces go, except between two letters or digits: "no solution" and "1 2" keep theirs.
std::string compact(std::string_view normalized, bool lower) {
  auto alnum = [](char c) { return is_alpha(c) || is_digit(c); };
  std::string out;
  out.reserve(normalized.size());
  bool pending_space = false;
  for (char c : normalized) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty() && alnum(out.back()) && alnum(c)) out += ' ';
    pending_space = false;
    out += lower ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
  }
  return out;
}

}  // namespace

std::string text_key(std::string_view normalized) {
  return compact(normalized, true);
}

std::string spelling_key(std::string_view normalized) {
  return compact(normalized, false);
}

}  // namespace r1
