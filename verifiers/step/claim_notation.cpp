#include "verifiers/step/claim_notation.h"

#include <optional>

#include "core/ascii.h"

namespace r1 {

namespace {

// The argument of "{...}" at s[i] when it is plain arithmetic on numbers (digits, + - * / ^,
// brackets, '.', ',' and spaces, with a digit among them); *end is the byte after '}'. Reads no
// further than the argument's own bytes, so that text of many unclosed "\frac{" stays linear.
std::optional<std::string_view> braced_plain(std::string_view s, size_t i, size_t* end) {
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  size_t close = i + 1;
  bool digit = false;
  for (; close < s.size(); ++close) {
    const char c = s[close];
    digit = digit || ascii_digit(c);
    if (!ascii_digit(c) && std::string_view(" +-*/^().,").find(c) == std::string_view::npos) break;
  }
  if (!digit || close >= s.size() || s[close] != '}') return std::nullopt;
  *end = close + 1;
  return s.substr(i + 1, close - i - 1);
}

// Where the spaces that pad a rewrite go. Before an operator; after a relation, so that it
// starts where its command did (a claim's span covers the command); inside a bracketed piece,
// after its first byte, so that the piece still touches what it touched ("1@\frac{1}{2}"
// stays glued to its '@', which makes it no claim).
enum class Pad { Front, Back, Inside };

// Writes `with` over out[at, at + width), padded with spaces. False (nothing written) when it
// does not fit.
bool put(std::string& out, size_t at, size_t width, std::string_view with, Pad pad = Pad::Front) {
  if (with.size() > width) return false;
  for (size_t k = 0; k < width; ++k) out[at + k] = ' ';
  if (pad == Pad::Inside && !with.empty()) {
    out[at] = with[0];
    with.remove_prefix(1);
    pad = Pad::Front;
  }
  out.replace(pad == Pad::Back ? at : at + width - with.size(), with.size(), with);
  return true;
}

// The ASCII of the superscript character at s[i] ("²" -> '2'), with its byte width; 0 if none.
char superscript_at(std::string_view s, size_t i, size_t* width) {
  const auto b = [&](size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  if (b(0) == 0xC2 && (b(1) == 0xB2 || b(1) == 0xB3 || b(1) == 0xB9)) {
    *width = 2;
    return b(1) == 0xB2 ? '2' : b(1) == 0xB3 ? '3' : '1';
  }
  if (b(0) == 0xE2 && b(1) == 0x81) {
    *width = 3;
    const unsigned c = b(2);
    if (c == 0xB0) return '0';
    if (c >= 0xB4 && c <= 0xB9) return static_cast<char>('4' + (c - 0xB4));
    if (c == 0xBA) return '+';
    if (c == 0xBB) return '-';
    if (c == 0xBD) return '(';
    if (c == 0xBE) return ')';
  }
  return 0;
}

// The last byte before s[i] that is not a space, 0 when none.
char previous_non_space(std::string_view s, size_t i) {
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) --i;
  return i > 0 ? s[i - 1] : 0;
}

char next_non_space(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i < s.size() ? s[i] : 0;
}

// Whether the '$' at s[i] is a currency sign inside arithmetic ("$17/$8.50 = 2", "6 x $5 =
// 30", "= $36"): a digit follows and an operator or relation comes before. Elsewhere a '$' may
// open math ("$6*6 = 36$") and is left.
bool currency(std::string_view s, size_t i) {
  if (i + 1 >= s.size() || !ascii_digit(s[i + 1])) return false;
  size_t k = i;
  while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t')) --k;
  if (k == 0) return false;
  const char b = s[k - 1];
  if (std::string_view("+-*/(=").find(b) != std::string_view::npos) return true;
  // × ÷ · − – ‒
  for (std::string_view sign :
       {"\xC3\x97", "\xC3\xB7", "\xC2\xB7", "\xE2\x88\x92", "\xE2\x80\x93", "\xE2\x80\x92"})
    if (k >= sign.size() && s.substr(k - sign.size(), sign.size()) == sign) return true;
  // A lone x: "6 x $5".
  return (b == 'x' || b == 'X') && k >= 2 && s[k - 2] == ' ';
}

// The byte count of the UTF-8 character that starts with byte c (1 for a stray byte).
size_t utf8_width(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC0 ? 2 : 1;
}

// The width of the operator sign that ends at s[j] (exclusive) and is not ASCII: × ÷ · ⋅ − ∗ ∕.
size_t sign_before(std::string_view s, size_t j) {
  for (std::string_view sign : kOperatorSigns)
    if (j >= sign.size() && s.substr(j - sign.size(), sign.size()) == sign) return sign.size();
  return 0;
}

// What ends the text before s[i], when it is arithmetic on numbers: whether it holds an operator
// between operands ("6*7", "(3+4)/2", "6 × 7"; not "42" or "-5"), and whether it is a lone
// fraction ("2/5") or a range (every operator a hyphen between digits: "2-5"). `s` is the text
// as rewritten so far ("6 x 7", "6 \times 7" read as products). The arithmetic starts after a
// letter and a space, or after ", " or ". " ("So, 6*7 is 43"); glued to a letter it is algebra
// ("x*2 is 10") and counts as none.
struct ExpressionBefore {
  bool expression = false, lone_fraction = false, range = false;
};

ExpressionBefore expression_before(std::string_view s, size_t i) {
  ExpressionBefore out;
  size_t k = i;
  while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t')) --k;
  if (k == 0 || !(ascii_digit(s[k - 1]) || s[k - 1] == ')')) return out;
  size_t b = k;
  for (;;) {
    if (b == 0) break;
    if (const size_t w = sign_before(s, b)) {
      b -= w;
      continue;
    }
    const char c = s[b - 1];
    if ((c == ',' || c == '.') && (s[b] == ' ' || s[b] == '\t')) break;  // "So, 6*7", "Done. 6*7"
    if (!ascii_digit(c) && std::string_view(" \t+-*/^().,").find(c) == std::string_view::npos)
      break;
    --b;
  }
  if (b > 0 && ascii_letter(s[b - 1]) && s[b] != ' ' && s[b] != '\t') return out;  // "x*2"
  bool operand = false, bracket = false, range = true;
  int ops = 0, slashes = 0;
  for (size_t j = b; j < k;) {
    const char c = s[j];
    size_t w = 1;
    bool op = false;
    if (static_cast<unsigned char>(c) >= 0x80) {
      for (size_t n = 2; n <= 3 && !op; ++n)
        if (j + n <= k && sign_before(s, j + n) == n) {
          op = true;
          w = n;
        }
    } else {
      op = std::string_view("+-*/^").find(c) != std::string_view::npos;
    }
    bracket = bracket || c == '(' || c == ')';
    if (ascii_digit(c) || c == ')') {
      operand = true;
    } else if (op && operand) {
      ++ops;
      slashes += c == '/';
      range = range && c == '-' && ascii_digit(s[j - 1]) && j + 1 < k && ascii_digit(s[j + 1]);
    }
    j += w;
  }
  // Python's power ("2**3") is not in the claim grammar: no expression to read.
  bool python_power = false;
  for (size_t j = b + 1; j + 1 < k && !python_power; ++j)
    python_power = s[j] == '*' && s[j + 1] == '*' && (ascii_digit(s[j - 1]) || s[j - 1] == ')');
  out.expression = ops > 0 && !python_power;
  out.lone_fraction = ops == 1 && slashes == 1 && !bracket;
  out.range = ops == 1 && range;
  return out;
}

// Whether a lone number starts at text[k] (after an optional sign or '$') and ends the
// statement: nothing after it but the end, punctuation, a bracket, a mark (an em dash, a check
// mark, an emoji, an arrow, '='), or a word that goes on to the next thought ("6*7 is 43 so
// ..."). Another word may change what the relation means ("90 + 30 is 2 hours", "3 * 4 is 2
// more than 10", "10 + 5 is 3 pm"), an operator goes on ("5 + 3 -> 8 * 2 -> 16"), and ", 8"
// continues a list (countdown's "2, 3 + 5 -> 2, 8"): none of those is read.
bool lone_number_at(std::string_view text, size_t k) {
  if (text.compare(k, 3, "\xE2\x88\x92") == 0)  // − as a sign
    k += 3;
  else if (k < text.size() && (text[k] == '-' || text[k] == '+'))
    ++k;
  while (k < text.size() && (text[k] == '$' || text[k] == ' ')) ++k;  // "-$43", "$ 43"
  if (k >= text.size() || !ascii_digit(text[k])) return false;
  while (k < text.size() &&
         (ascii_digit(text[k]) ||
          ((text[k] == '.' || text[k] == ',') && k + 1 < text.size() && ascii_digit(text[k + 1]))))
    ++k;
  if (text.compare(k, 2, "**") == 0) k += 2;  // markdown bold: "**6*7 is 43**"
  while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) ++k;
  if (k == text.size() || text[k] == '\n' || text[k] == '\r' || text[k] == '(' || text[k] == ')' ||
      text[k] == '=' || text.compare(k, 2, "..") == 0)
    return true;
  if (check_mark_or_emoji(text.substr(k, 4).substr(0, utf8_width(text[k]))) ||
      text.compare(k, 3, "\xE2\x80\x94") == 0 || text.compare(k, 3, "\xE2\x86\x92") == 0)
    return true;  // a check mark, an emoji, an em dash, an arrow
  if (ascii_letter(text[k])) {
    size_t e = k;
    while (e < text.size() && ascii_letter(text[e])) ++e;
    std::string word(text.substr(k, e - k));
    for (char& ch : word) ch = ascii_lower(ch);
    for (std::string_view w : {"so", "but", "yes", "ok", "okay", "now", "then", "which", "because",
                               "hence", "thus", "therefore", "and", "too", "since", "total"})
      if (word == w) return true;
    return false;
  }
  if (std::string_view(".,;:!?").find(text[k]) == std::string_view::npos) return false;
  if (text[k] == ',') {  // ", 8": a list goes on
    size_t j = k + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j < text.size() && ascii_digit(text[j])) return false;
  }
  return k + 1 == text.size() ||
         std::string_view(" \t\r\n").find(text[k + 1]) != std::string_view::npos;
}

// The width of a relation written as a word or an arrow at text[i] ("6*7 is 43", "6*7 equals
// 43", "6*7 -> 43", "6*7 → 43"), when an expression comes before it (in `out`, the text
// rewritten so far) and a lone number after it (lone_number_at); 0 otherwise. Read as '=' so that
// saying a false result in words does not hide it. Words match in any case and may take a ':'
// ("is: 43"). After the words of identity ("is", "equals"), a lone fraction names a share
// ("Since 2/5 is 12.8.") and a hyphen between digits a range, so those are left; after an arrow
// or a verb of computing ("gives", "makes") they are arithmetic.
size_t relation_word_at(std::string_view text, std::string_view out, size_t i) {
  struct Phrase {
    std::string_view text;
    bool identity;
  };
  static constexpr Phrase kPhrases[] = {{"is equal to", true},
                                        {"is equivalent to", true},
                                        {"is the same as", true},
                                        {"is exactly", true},
                                        {"equal to", true},
                                        {"equals", true},
                                        {"equal", true},
                                        {"is", true},
                                        {"are", true},
                                        {"was", true},
                                        {"would be", true},
                                        {"will be", true},
                                        {"becomes", false},
                                        {"gives us", false},
                                        {"gives you", false},
                                        {"gives", false},
                                        {"makes", false},
                                        {"yields", false},
                                        {"results in", false},
                                        {"comes to", false},
                                        {"adds up to", false},
                                        {"sums to", false},
                                        {"totals", false},
                                        {"==>", false},
                                        {"-->", false},
                                        {"->", false},
                                        {"~>", false},
                                        {"=>", false},
                                        {"\\rightarrow", false},
                                        {"\\Rightarrow", false},
                                        {"\\implies", false},
                                        {"\\mapsto", false},
                                        {"\\to", false},
                                        {"\xE2\x80\x94>" /* —> */, false},
                                        {"\xE2\x86\x92" /* → */, false},
                                        {"\xE2\x86\xA6" /* ↦ */, false},
                                        {"\xE2\x9F\xB6" /* ⟶ */, false},
                                        {"\xE2\x87\x92" /* ⇒ */, false},
                                        {"\xE2\x9F\xB9" /* ⟹ */, false}};
  // Most bytes start no phrase: a word starts after a space, the rest with = - ~ \ or a
  // three-byte arrow.
  const char c = text[i];
  const bool word_start = ascii_letter(c) && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t');
  if (!word_start && c != '=' && c != '-' && c != '~' && c != '\\' && c != '\xE2') return 0;
  for (const Phrase& p : kPhrases) {
    if (i + p.text.size() > text.size()) continue;
    bool match = true;
    for (size_t k = 0; k < p.text.size() && match; ++k)
      match = (ascii_letter(p.text[k]) ? ascii_lower(text[i + k]) : text[i + k]) == p.text[k];
    if (!match) continue;
    size_t end = i + p.text.size();
    const bool word = ascii_letter(p.text[0]) || p.text[0] == '\\';
    if (word) {  // a word only when it stands alone: not "this", "isotope", "\top"
      if (end < text.size() && ascii_letter(text[end])) return 0;
      if (end < text.size() && text[end] == ':') ++end;
    }
    const ExpressionBefore before = expression_before(out, i);
    if (!before.expression || (p.identity && (before.lone_fraction || before.range))) return 0;
    size_t k = end;
    while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) ++k;
    return lone_number_at(text, k) ? end - i : 0;
  }
  return 0;
}

// Rewrites the LaTeX command at text[i] ('\\') in `out`; returns the byte after what it read.
size_t latex_command(std::string_view text, size_t i, std::string& out) {
  size_t e = i + 1;
  while (e < text.size() && ascii_letter(text[e])) ++e;
  const std::string_view name = text.substr(i + 1, e - i - 1);
  if (name.empty()) {
    // Math delimiters "\(", "\)", "\[", "\]": not part of the arithmetic, and a border of it as
    // '$' is ("There are 43 apples \(6*7 = 43\)." holds a claim, as with '$').
    if (e < text.size() && std::string_view("()[]").find(text[e]) != std::string_view::npos) {
      put(out, i, 2, "$");
      return e + 1;
    }
    // "\\" ending a line of an aligned block.
    if (e < text.size() && text[e] == '\\' &&
        (e + 1 == text.size() || text[e + 1] == ' ' || text[e + 1] == '\n' ||
         text[e + 1] == '\r')) {
      put(out, i, 2, "");
      return e + 1;
    }
    return e + (e < text.size() ? 1 : 0);
  }
  const size_t width = e - i;
  if ((name == "begin" || name == "end") && e < text.size() && text[e] == '{') {
    // The delimiter of an environment of equations, "\begin{align}": the lines inside are
    // what it holds. Matrices, arrays and cases stay LaTeX (a determinant's "\end{vmatrix} =
    // 10" is no claim about 4).
    size_t close = e + 1;
    while (close < text.size() && (ascii_letter(text[close]) || text[close] == '*')) ++close;
    const std::string_view env = text.substr(e + 1, close - e - 1);
    bool equations = false;
    for (std::string_view k :
         {"align", "align*", "aligned", "equation", "equation*", "gather", "gather*", "gathered",
          "split", "eqnarray", "eqnarray*", "multline", "multline*"})
      equations = equations || env == k;
    if (equations && close < text.size() && text[close] == '}') {
      put(out, i, close + 1 - i, "");
      return close + 1;
    }
  }
  if (name == "times" || name == "cdot") {
    put(out, i, width, "*");
  } else if (name == "div") {
    put(out, i, width, "/");
  } else if (name == "approx") {
    put(out, i, width, "\xE2\x89\x88", Pad::Back);  // ≈
  } else if (name == "neq" || name == "ne") {
    put(out, i, width, "!=", Pad::Back);
  } else if (name == "left" && e < text.size() && text[e] == '(') {
    put(out, i, width + 1, "(", Pad::Back);
    return e + 1;
  } else if (name == "right" && e < text.size() && text[e] == ')') {
    put(out, i, width, "");
  } else if ((name == "frac" || name == "dfrac" || name == "tfrac") &&
             !ascii_digit(previous_non_space(text, i))) {
    // "1\frac{1}{4}" and "37 \frac{1}{2}" are mixed numbers (1 + 1/4): left as LaTeX.
    size_t mid = 0, end = 0;
    std::optional<std::string_view> a = braced_plain(text, e, &mid), b;
    if (a) b = braced_plain(text, mid, &end);
    if (a && b) {  // one factor: "\frac{1}{5} \div \frac{12}{20}" divides by 12/20
      put(out, i, end - i, "((" + std::string(*a) + ")/(" + std::string(*b) + "))", Pad::Inside);
      return end;
    }
    if (e + 1 < text.size() && ascii_digit(text[e]) && ascii_digit(text[e + 1]) &&
        !(e + 2 < text.size() && ascii_digit(text[e + 2]))) {  // \frac12
      put(out, i, width + 2, std::string("(") + text[e] + "/" + text[e + 1] + ")", Pad::Inside);
      return e + 2;
    }
  } else if (name == "sqrt") {
    size_t end = 0;
    if (std::optional<std::string_view> a = braced_plain(text, e, &end)) {
      // One factor, "(a^.5)", where a is a number; "(a)^.5" (a byte short of brackets around
      // it) may not be raised again.
      const bool number = a->find_first_not_of("0123456789.") == std::string_view::npos;
      if (number) {
        put(out, i, end - i, "(" + std::string(*a) + "^.5)", Pad::Inside);
        return end;
      }
      if (end == text.size() || text[end] != '^') {
        put(out, i, end - i, "(" + std::string(*a) + ")^.5", Pad::Inside);
        return end;
      }
    }
  }
  return e;
}

// Width of the Unicode space at s[i] (U+00A0, U+2000-U+200A, U+202F, U+205F, U+3000), 0 if none.
size_t unicode_space_at(std::string_view s, size_t i) {
  const auto b = [&](size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  if (b(0) == 0xC2 && b(1) == 0xA0) return 2;
  if (b(0) == 0xE2 && b(1) == 0x80 && ((b(2) >= 0x80 && b(2) <= 0x8A) || b(2) == 0xAF)) return 3;
  if (b(0) == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;
  if (b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;
  return 0;
}

// Width of the invisible character at s[i]: a soft hyphen, zero-width space, joiners, direction
// marks, embeddings and isolates, the word joiner and invisible operators, a byte-order mark.
size_t invisible_at(std::string_view s, size_t i) {
  const auto b = [&](size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  if (b(0) == 0xC2 && b(1) == 0xAD) return 2;
  if (b(0) == 0xE2 && b(1) == 0x80 &&
      ((b(2) >= 0x8B && b(2) <= 0x8F) || (b(2) >= 0xAA && b(2) <= 0xAE)))
    return 3;
  if (b(0) == 0xE2 && b(1) == 0x81 && b(2) >= 0xA0 && b(2) <= 0xAF) return 3;
  if (b(0) == 0xEF && b(1) == 0xBB && b(2) == 0xBF) return 3;
  return 0;
}

}  // namespace

bool check_mark_or_emoji(std::string_view ch) {
  if (ch.size() == 4 && static_cast<unsigned char>(ch[0]) == 0xF0 &&
      static_cast<unsigned char>(ch[1]) == 0x9F)
    return true;
  for (std::string_view m : {"\xE2\x9C\x93", "\xE2\x9C\x94", "\xE2\x9C\x85", "\xE2\x9C\x97",
                             "\xE2\x9C\x98", "\xE2\x9D\x8C"})
    if (ch == m) return true;
  return false;
}

std::string visible_spacing(std::string_view text, std::vector<size_t>* origin) {
  std::string out;
  out.reserve(text.size());
  if (origin) {
    origin->clear();
    origin->reserve(text.size() + 1);
  }
  // Appends n bytes of `with` (or n spaces), the k-th from text[from + k] (or text[from]).
  const auto emit = [&](size_t n, std::string_view with, size_t from, bool one_source) {
    for (size_t k = 0; k < n; ++k) {
      out += with.empty() ? ' ' : with[k];
      if (origin) origin->push_back(one_source ? from : from + k);
    }
  };
  size_t owed = 0;  // bytes of invisible characters left out, paid as spaces before the next blank
  for (size_t i = 0; i < text.size();) {
    if (const size_t w = unicode_space_at(text, i)) {
      emit(owed, "", i, true);
      emit(w, "", i, false);
      owed = 0;
      i += w;
    } else if (const size_t z = invisible_at(text, i)) {
      owed += z;
      i += z;
    } else if (text.compare(i, 3, "\xEF\xBC\x9D") == 0) {  // a fullwidth equals sign
      emit(3, "=  ", i, false);
      i += 3;
    } else {
      if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
        emit(owed, "", i, true);
        owed = 0;
      }
      emit(1, text.substr(i, 1), i, false);
      ++i;
    }
  }
  emit(owed, "", text.size(), true);
  if (origin) origin->push_back(text.size());
  return out;
}

std::string plain_claim_notation(std::string_view text) {
  std::string out(text);
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (const size_t w = relation_word_at(text, out, i)) {
      put(out, i, w, "=", Pad::Back);
      i += w;
      size_t k = i;
      while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) ++k;
      if (k < text.size() && text[k] == '$') out[k] = ' ';  // "6*7 is $43": currency, as after '='
      continue;
    }
    if (c == '\\') {
      i = latex_command(text, i, out);
      continue;
    }
    if (c == '^' && i + 1 < text.size() && text[i + 1] == '{') {
      size_t end = 0;
      if (std::optional<std::string_view> a = braced_plain(text, i + 1, &end)) {
        put(out, i, end - i, "^(" + std::string(*a) + ")", Pad::Inside);
        i = end;
        continue;
      }
    }
    if (c == '&' && next_non_space(text, i + 1) == '=') {
      out[i] = ' ';
    } else if (c == '$' && currency(text, i)) {
      out[i] = ' ';
    } else if ((c == 'x' || c == 'X') && i > 0 && i + 1 < text.size() && ascii_digit(text[i - 1]) &&
               ascii_digit(text[i + 1]) &&
               !(text[i - 1] == '0' &&
                 (i < 2 || !(ascii_digit(text[i - 2]) || text[i - 2] == '.')))) {
      out[i] = '*';  // glued: "6x6", "10x10"; not a hexadecimal "0x10"
    } else if ((c == 'x' || c == 'X') && i > 0 && i + 1 < text.size() && text[i - 1] == ' ' &&
               text[i + 1] == ' ') {
      // A lone x between numbers is a product: "6 x 6", "8 x $3". (Glued, "0x10" is
      // hexadecimal.)
      const char before = previous_non_space(text, i);
      size_t k = i + 1;
      while (k < text.size() && text[k] == ' ') ++k;
      if (k < text.size() && text[k] == '$' && currency(text, k)) ++k;
      const char after = k < text.size() ? text[k] : 0;
      if ((ascii_digit(before) || before == ')') && (ascii_digit(after) || after == '('))
        out[i] = '*';
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\x92' || text[i + 2] == '\x93')) {
      put(out, i, 3, " - ");  // figure dash, en dash
      i += 3;
      continue;
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\x90' || text[i + 2] == '\x91' || text[i + 2] == '\x94')) {
      // A hyphen or an em dash between numbers is a minus ("6 — 6"); before words an em dash
      // is punctuation ("= 35 — close") and stays.
      const char before = previous_non_space(text, i), after = next_non_space(text, i + 3);
      if ((ascii_digit(before) || before == ')') && (ascii_digit(after) || after == '('))
        put(out, i, 3, " - ");
      i += 3;
      continue;
    } else if (size_t w = 0; superscript_at(text, i, &w) && i > 0 &&
                             (ascii_digit(text[i - 1]) || text[i - 1] == ')')) {
      // A run of superscripts after a number: its power.
      std::string power;
      size_t e = i;
      bool sign = false;
      while (e < text.size()) {
        size_t cw = 0;
        const char p = superscript_at(text, e, &cw);
        if (!p) break;
        sign = sign || p == '-' || p == '+';
        power += p;
        e += cw;
      }
      put(out, i, e - i, sign ? "^(" + power + ")" : "^" + power, Pad::Inside);
      i = e;
      continue;
    }
    ++i;
  }
  return out;
}

}  // namespace r1
