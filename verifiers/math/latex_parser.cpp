#include "verifiers/math/latex_parser.h"

#include <cstring>
#include <string>

namespace r1 {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

const char* function_name(std::string_view w) {
  static const struct {
    const char* word;
    const char* fn;
  } kFuncs[] = {{"sin", "sin"},     {"cos", "cos"},   {"tan", "tan"},     {"sec", "sec"},
                {"csc", "csc"},     {"cot", "cot"},   {"arcsin", "asin"}, {"arccos", "acos"},
                {"arctan", "atan"}, {"sinh", "sinh"}, {"cosh", "cosh"},   {"tanh", "tanh"},
                {"ln", "ln"},       {"log", "log10"}, {"exp", "exp"},     {"abs", "abs"},
                {"sqrt", "sqrt"}};
  for (const auto& f : kFuncs) {
    if (w == f.word) return f.fn;
  }
  return nullptr;
}

bool is_greek(std::string_view w) {
  static const char* const kGreek[] = {
      "alpha",    "beta",    "gamma", "delta",  "epsilon", "varepsilon", "zeta",  "eta",   "theta",
      "vartheta", "iota",    "kappa", "lambda", "mu",      "nu",         "xi",    "rho",   "sigma",
      "tau",      "upsilon", "phi",   "varphi", "chi",     "psi",        "omega", "Gamma", "Delta",
      "Theta",    "Lambda",  "Xi",    "Sigma",  "Phi",     "Psi",        "Omega"};
  for (const char* g : kGreek) {
    if (w == g) return true;
  }
  return false;
}

class LatexParser {
 public:
  LatexParser(std::string_view s, const LatexParseOptions& o, ParsedExpr& out)
      : s_(s), o_(o), out_(out) {}

  void run() {
    if (s_.size() > o_.max_length) return error("too_long");
    int root = expr(0);
    if (!ok()) return;
    skip_space();
    if (pos_ < s_.size()) return error("unexpected_character");
    out_.root = root;
  }

 private:
  bool ok() const { return out_.error.empty(); }
  void error(const std::string& what) {
    if (out_.error.empty()) {
      out_.error = what;
      out_.error_pos = pos_;
    }
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  char peek() {
    skip_space();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool eat(char c) {
    if (peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // The command name at pos_ (after the backslash), without consuming it.
  std::string_view command_at() {
    skip_space();
    if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || !is_alpha(s_[pos_ + 1])) return {};
    size_t e = pos_ + 1;
    while (e < s_.size() && is_alpha(s_[e])) ++e;
    return s_.substr(pos_ + 1, e - pos_ - 1);
  }
  bool room() {
    if (static_cast<int>(out_.tree.size()) >= o_.max_nodes) {
      error("too_many_nodes");
      return false;
    }
    return true;
  }
  bool deep(int depth) {
    if (depth > o_.max_depth) {
      error("too_deep");
      return true;
    }
    return false;
  }

  int expr(int depth) {
    if (deep(depth)) return -1;
    int lhs = term(depth);
    while (ok()) {
      char c = peek();
      if (c != '+' && c != '-') break;
      ++pos_;
      int rhs = term(depth);
      if (!ok() || !room()) return -1;
      lhs = out_.tree.binary(c == '+' ? Op::Add : Op::Sub, lhs, rhs);
    }
    return lhs;
  }

  // Whether the text at pos_ can start a factor that multiplies the previous one implicitly.
  bool starts_implicit_factor() {
    char c = peek();
    if (is_digit(c) || c == '.' || is_alpha(c) || c == '(') return true;
    if (c == '\\') {
      std::string_view cmd = command_at();
      return !cmd.empty() && cmd != "pm" && cmd != "mp" && cmd != "cup" && cmd != "in" &&
             cmd != "leq" && cmd != "geq" && cmd != "ne" && cmd != "to" && cmd != "end" &&
             cmd != "cap" && cmd != "setminus";
    }
    return false;
  }

  // Whether a function name starts at pos_ ("\cos", "cos", "\sqrt", "\log").
  bool starts_function() {
    skip_space();
    size_t b = pos_ < s_.size() && s_[pos_] == '\\' ? pos_ + 1 : pos_;
    size_t e = b;
    while (e < s_.size() && is_alpha(s_[e])) ++e;
    std::string_view w = s_.substr(b, e - b);
    return !w.empty() && (function_name(w) != nullptr || w == "frac");
  }

  int term(int depth) {
    int lhs = signed_factor(depth);
    while (ok()) {
      char c = peek();
      Op op;
      if (c == '*' || c == '/') {
        ++pos_;
        op = c == '*' ? Op::Mul : Op::Div;
      } else if (starts_implicit_factor()) {
        op = Op::Mul;
      } else {
        break;
      }
      int rhs = signed_factor(depth);
      if (!ok() || !room()) return -1;
      lhs = out_.tree.binary(op, lhs, rhs);
    }
    return lhs;
  }

  int signed_factor(int depth) {
    char c = peek();
    if (c == '-' || c == '+') {
      if (deep(depth + 1)) return -1;
      ++pos_;
      int a = signed_factor(depth + 1);
      if (!ok() || !room()) return -1;
      return c == '-' ? out_.tree.unary(Op::Neg, a) : a;
    }
    return power(depth);
  }

  int power(int depth) {
    int base = postfix(depth);
    if (!ok()) return -1;
    if (eat('^')) {
      if (deep(depth + 1)) return -1;
      int e;
      if (peek() == '{') {
        ++pos_;
        e = expr(depth + 1);
        if (ok() && !eat('}')) error("unbalanced_braces");
      } else {
        e = signed_exponent(depth + 1);
      }
      if (!ok() || !room()) return -1;
      int p = out_.tree.binary(Op::Pow, base, e);
      // x^2! is rare; a postfix after the exponent applies to the power.
      while (ok() && peek() == '!') {
        ++pos_;
        if (!room()) return -1;
        p = out_.tree.unary(Op::Factorial, p);
      }
      return p;
    }
    return base;
  }

  int signed_exponent(int depth) {
    char c = peek();
    if (c == '-' || c == '+') {
      ++pos_;
      int a = power(depth);
      if (!ok() || !room()) return -1;
      return c == '-' ? out_.tree.unary(Op::Neg, a) : a;
    }
    return power(depth);
  }

  int postfix(int depth) {
    int a = primary(depth);
    while (ok() && peek() == '!') {
      ++pos_;
      if (!room()) return -1;
      a = out_.tree.unary(Op::Factorial, a);
    }
    return a;
  }

  // A number literal at pos_; when `one_digit`, only its first digit (LaTeX "\frac 34").
  int number(bool one_digit) {
    size_t b = pos_;
    if (one_digit) {
      ++pos_;
    } else {
      bool dot = false;
      while (pos_ < s_.size() &&
             (is_digit(s_[pos_]) ||
              (s_[pos_] == '.' && !dot && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1])))) {
        if (s_[pos_] == '.') dot = true;
        ++pos_;
      }
    }
    std::string_view lit = s_.substr(b, pos_ - b);
    auto v = parse_decimal(lit, o_.max_literal_digits);
    if (!v) {
      error(lit.size() > static_cast<size_t>(o_.max_literal_digits) ? "number_too_long"
                                                                    : "bad_number");
      return -1;
    }
    if (!room()) return -1;
    // "204_5": a number in another base stays an opaque symbol, compared by spelling.
    if (!one_digit && pos_ < s_.size() && s_[pos_] == '_') {
      std::string name(lit);
      name += subscript();
      return ok() ? out_.tree.var(name) : -1;
    }
    size_t dot = lit.find('.');
    int places = dot == std::string_view::npos ? -1 : static_cast<int>(lit.size() - dot - 1);
    return out_.tree.number(std::move(*v), places);
  }

  // "_1", "_{10}", "_n": returns "_1" etc. with the braces dropped.
  std::string subscript() {
    ++pos_;  // '_'
    skip_space();
    if (pos_ >= s_.size()) {
      error("bad_subscript");
      return {};
    }
    if (s_[pos_] == '{') {
      size_t e = s_.find('}', pos_);
      if (e == std::string_view::npos || e - pos_ > 40) {
        error("bad_subscript");
        return {};
      }
      std::string sub(s_.substr(pos_ + 1, e - pos_ - 1));
      pos_ = e + 1;
      std::string clean;
      for (char c : sub) {
        if (c != ' ') clean += c;
      }
      return "_" + clean;
    }
    if (is_alpha(s_[pos_]) || is_digit(s_[pos_])) return "_" + std::string(1, s_[pos_++]);
    error("bad_subscript");
    return {};
  }

  // A LaTeX macro argument: {expr}, or a single digit or letter, or one command.
  int macro_arg(int depth) {
    char c = peek();
    if (c == '{') {
      ++pos_;
      int e = expr(depth + 1);
      if (ok() && !eat('}')) error("unbalanced_braces");
      return ok() ? e : -1;
    }
    if (is_digit(c)) return number(true);
    if (is_alpha(c)) {
      if (!room()) return -1;
      ++pos_;
      return out_.tree.var(std::string(1, c));
    }
    if (c == '\\') return primary(depth + 1);
    error("bad_macro_argument");
    return -1;
  }

  int function_call(const char* fn, int depth) {
    // \sin^2 x = (\sin x)^2; \log_2 x = ln x / ln 2.
    int exponent = -1, base = -1;
    for (int k = 0; k < 2 && ok(); ++k) {
      if (peek() == '^' && exponent < 0) {
        ++pos_;
        exponent = macro_arg(depth + 1);
      } else if (peek() == '_' && base < 0 && std::strcmp(fn, "log10") == 0) {
        ++pos_;
        base = macro_arg(depth + 1);
      }
    }
    if (!ok()) return -1;
    int arg;
    char c = peek();
    if (c == '(' || c == '{') {
      ++pos_;
      arg = expr(depth + 1);
      if (ok() && !eat(c == '(' ? ')' : '}')) error("unbalanced_parentheses");
    } else {
      // "\sin 2x" is sin(2x): the argument runs on over implicitly multiplied factors, up to
      // an operator or the next function ("\sin x \cos x" is sin(x) cos(x)).
      arg = power(depth + 1);
      while (ok() && starts_implicit_factor() && !starts_function()) {
        int more = power(depth + 1);
        if (!ok() || !room()) return -1;
        arg = out_.tree.binary(Op::Mul, arg, more);
      }
    }
    if (!ok() || !room()) return -1;
    if (exponent >= 0 && is_minus_one(exponent)) {
      const char* inverse = std::strcmp(fn, "sin") == 0   ? "asin"
                            : std::strcmp(fn, "cos") == 0 ? "acos"
                            : std::strcmp(fn, "tan") == 0 ? "atan"
                                                          : nullptr;
      if (inverse) return out_.tree.func(inverse, arg);
    }
    int f;
    if (base >= 0) {
      int num = out_.tree.func("ln", arg);
      if (!room()) return -1;
      int den = out_.tree.func("ln", base);
      if (!room()) return -1;
      f = out_.tree.binary(Op::Div, num, den);
    } else {
      f = out_.tree.func(fn, arg);
    }
    if (exponent >= 0) {
      if (!room()) return -1;
      f = out_.tree.binary(Op::Pow, f, exponent);
    }
    return f;
  }

  // Whether node i is the literal -1 ("\sin^{-1}" means arcsin, not 1/sin).
  bool is_minus_one(int i) const {
    const ExprNode& n = out_.tree.node(i);
    if (n.op != Op::Neg) return false;
    const ExprNode& a = out_.tree.node(n.a);
    return a.op == Op::Number && out_.tree.number_value(n.a) == 1;
  }

  int command(int depth) {
    std::string_view cmd = command_at();
    if (cmd.empty()) {
      error("bad_command");
      return -1;
    }
    pos_ += cmd.size() + 1;
    if (cmd == "frac") {
      int a = macro_arg(depth);
      if (!ok()) return -1;
      int b = macro_arg(depth);
      if (!ok() || !room()) return -1;
      return out_.tree.binary(Op::Div, a, b);
    }
    if (cmd == "binom") {
      int a = macro_arg(depth);
      if (!ok()) return -1;
      int b = macro_arg(depth);
      if (!ok() || !room()) return -1;
      return out_.tree.binary(Op::Binom, a, b);
    }
    if (cmd == "sqrt") {
      int index = -1;
      if (peek() == '[') {
        ++pos_;
        index = expr(depth + 1);
        if (ok() && !eat(']')) error("unbalanced_brackets");
      }
      if (!ok()) return -1;
      int x = macro_arg(depth);
      if (!ok() || !room()) return -1;
      if (index < 0) return out_.tree.func("sqrt", x);
      int one = out_.tree.number(BigRational(1), -1);
      if (!room()) return -1;
      int inv = out_.tree.binary(Op::Div, one, index);
      if (!room()) return -1;
      return out_.tree.binary(Op::Pow, x, inv);
    }
    if (cmd == "pi") return room() ? out_.tree.leaf(Op::Pi) : -1;
    if (cmd == "infty" || cmd == "inf") return room() ? out_.tree.leaf(Op::Infinity) : -1;
    if (const char* fn = function_name(cmd)) return function_call(fn, depth);
    if (cmd == "arcsec" || cmd == "arccsc" || cmd == "arccot") {
      error("unsupported_function");
      return -1;
    }
    if (is_greek(cmd)) {
      if (!room()) return -1;
      std::string name = "\\" + std::string(cmd);
      if (pos_ < s_.size() && s_[pos_] == '_') name += subscript();
      return ok() ? out_.tree.var(name) : -1;
    }
    error("unknown_command:" + std::string(cmd));
    return -1;
  }

  int word(int depth) {
    size_t b = pos_;
    while (pos_ < s_.size() && is_alpha(s_[pos_])) ++pos_;
    std::string_view w = s_.substr(b, pos_ - b);
    if (const char* fn = function_name(w)) return function_call(fn, depth);
    if (w == "pi") return room() ? out_.tree.leaf(Op::Pi) : -1;
    if (w == "inf" || w == "infty" || w == "infinity")
      return room() ? out_.tree.leaf(Op::Infinity) : -1;
    if (w.size() >= 3) {
      pos_ = b;
      error("text");
      return -1;
    }
    // "xy^2" is x * y^2: the first letter stands alone, and the next one is read as the next
    // factor, so a power or subscript binds to it only.
    if (w.size() == 2) {
      pos_ = b + 1;
      w = w.substr(0, 1);
    }
    // One or two letters: single-letter variables multiplied ("xy"); the last may carry a
    // subscript or a prime.
    int acc = -1;
    for (size_t k = 0; k < w.size(); ++k) {
      if (!room()) return -1;
      std::string name(1, w[k]);
      if (k + 1 == w.size()) {
        if (pos_ < s_.size() && s_[pos_] == '_') name += subscript();
        while (pos_ < s_.size() && s_[pos_] == '\'') name += s_[pos_++];
      }
      if (!ok()) return -1;
      // A lone "e" is Euler's number ("e^2", "2e"); with a subscript or prime it is a name.
      int v = name == "e" ? out_.tree.leaf(Op::E) : out_.tree.var(name);
      if (acc < 0) {
        acc = v;
      } else {
        if (!room()) return -1;
        acc = out_.tree.binary(Op::Mul, acc, v);
      }
    }
    return acc;
  }

  int primary(int depth) {
    if (deep(depth)) return -1;
    char c = peek();
    if (is_digit(c) || (c == '.' && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1]))) {
      int n = number(false);
      if (!ok()) return -1;
      // A mixed number: an integer directly followed by \frac{int}{int} ("2\frac{1}{2}").
      if (command_at() == "frac" && out_.tree.node(n).op == Op::Number &&
          is_integer(out_.tree.number_value(n))) {
        size_t save = pos_;
        int f = command(depth);
        if (!ok()) return -1;
        const ExprNode& fn = out_.tree.node(f);
        bool int_args = fn.op == Op::Div && out_.tree.node(fn.a).op == Op::Number &&
                        out_.tree.node(fn.b).op == Op::Number &&
                        is_integer(out_.tree.number_value(fn.a)) &&
                        is_integer(out_.tree.number_value(fn.b));
        if (int_args) return room() ? out_.tree.binary(Op::Add, n, f) : -1;
        if (!room()) return -1;
        (void)save;
        return out_.tree.binary(Op::Mul, n, f);
      }
      if (is_digit(peek())) {
        error("missing_operator");
        return -1;
      }
      return n;
    }
    if (is_alpha(c)) return word(depth);
    if (c == '\\') return command(depth);
    if (c == '(' || c == '[' || c == '{') {
      char close = c == '(' ? ')' : c == '[' ? ']' : '}';
      ++pos_;
      int e = expr(depth + 1);
      if (ok() && !eat(close)) error(close == '}' ? "unbalanced_braces" : "unbalanced_parentheses");
      return ok() ? e : -1;
    }
    if (c == '|') {
      ++pos_;
      int e = expr(depth + 1);
      if (ok() && !eat('|')) error("unbalanced_bars");
      if (!ok() || !room()) return -1;
      return out_.tree.func("abs", e);
    }
    if (c == '\0')
      error("unexpected_end");
    else
      error("unexpected_character");
    return -1;
  }

  std::string_view s_;
  const LatexParseOptions& o_;
  ParsedExpr& out_;
  size_t pos_ = 0;
};

}  // namespace

ParsedExpr parse_latex(std::string_view text, const LatexParseOptions& options) {
  ParsedExpr out;
  LatexParser(text, options, out).run();
  if (!out.error.empty()) out.root = -1;
  return out;
}

}  // namespace r1
