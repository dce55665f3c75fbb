#include "verifiers/arith/plain_parser.h"

#include <cstring>

namespace r1 {

namespace {

enum class Tok { Num, Plus, Minus, Times, Divide, Caret, LParen, RParen, End, Bad };

class PlainParser {
 public:
  PlainParser(std::string_view s, const PlainParseOptions& o, ParsedExpr& out)
      : s_(s), o_(o), out_(out) {}

  void run() {
    if (s_.size() > o_.max_length) return error("too_long");
    advance();
    int root = expr(0);
    if (!out_.error.empty()) return;
    if (tok_ != Tok::End) return error("unexpected_token");
    out_.root = root;
  }

 private:
  void error(const char* what) {
    if (out_.error.empty()) {
      out_.error = what;
      out_.error_pos = tok_start_;
    }
  }

  bool match_utf8(const char* seq) {
    size_t n = std::strlen(seq);
    if (s_.compare(pos_, n, seq) == 0) {
      pos_ += n;
      return true;
    }
    return false;
  }

  void advance() {
    const size_t before = pos_;
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
    spaced_ = pos_ > before;
    tok_start_ = pos_;
    if (pos_ >= s_.size()) {
      tok_ = Tok::End;
      return;
    }
    char c = s_[pos_];
    if ((c >= '0' && c <= '9') || c == '.') return number();
    ++pos_;
    switch (c) {
      case '+':
        tok_ = Tok::Plus;
        return;
      case '-':
        tok_ = Tok::Minus;
        return;
      case '*':
        tok_ = Tok::Times;
        return;
      case '/':
        tok_ = Tok::Divide;
        return;
      case '^':
        tok_ = Tok::Caret;
        return;
      case '(':
        tok_ = Tok::LParen;
        return;
      case ')':
        tok_ = Tok::RParen;
        return;
      default:
        break;
    }
    --pos_;
    if (match_utf8("\xC3\x97") || match_utf8("\xC2\xB7") || match_utf8("\xE2\x8B\x85") ||
        match_utf8("\xE2\x88\x97")) {  // × · ⋅ ∗
      tok_ = Tok::Times;
    } else if (match_utf8("\xC3\xB7") || match_utf8("\xE2\x88\x95")) {  // ÷ ∕
      tok_ = Tok::Divide;
    } else if (match_utf8("\xE2\x88\x92")) {  // − (minus sign)
      tok_ = Tok::Minus;
    } else {
      tok_ = Tok::Bad;
      ++pos_;
    }
  }

  void number() {
    digits_.clear();
    bool dot = false;
    size_t run = 0;        // digits since the last separator
    bool grouped = false;  // saw a thousands separator
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c >= '0' && c <= '9') {
        digits_ += c;
        ++run;
        ++pos_;
      } else if (c == '.' && !dot) {
        if (grouped && run != 3) break;
        dot = true;
        digits_ += c;
        run = 0;
        ++pos_;
      } else if (c == ',' && o_.allow_thousands && !dot && run >= 1 &&
                 (grouped ? run == 3 : run <= 3) && is_digit_at(pos_ + 1) &&
                 is_digit_at(pos_ + 2) && is_digit_at(pos_ + 3) && !is_digit_at(pos_ + 4)) {
        grouped = true;
        run = 0;
        ++pos_;
      } else {
        break;
      }
    }
    if (dot && !o_.allow_decimals) {
      tok_ = Tok::Bad;
      return;
    }
    tok_ = Tok::Num;
  }

  bool is_digit_at(size_t i) const { return i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; }

  bool room() {
    if (static_cast<int>(out_.tree.size()) >= o_.max_nodes) {
      error("too_many_nodes");
      return false;
    }
    return true;
  }

  int expr(int depth) {
    if (depth > o_.max_depth) {
      error("too_deep");
      return -1;
    }
    int lhs = term(depth);
    while (out_.error.empty() && (tok_ == Tok::Plus || tok_ == Tok::Minus)) {
      Op op = tok_ == Tok::Plus ? Op::Add : Op::Sub;
      advance();
      int rhs = term(depth);
      if (!out_.error.empty() || !room()) return -1;
      lhs = out_.tree.binary(op, lhs, rhs);
    }
    return lhs;
  }

  // A bracket next to a factor multiplies it ("2(3)", "(2)(3)", "(2)3"), when allowed: the
  // product of juxtaposition, at the precedence of '*'. Across a space only when asked
  // ("(2) 6*6" may be an enumeration).
  bool juxtaposed() const {
    return o_.allow_implicit_product && (!spaced_ || o_.implicit_product_across_spaces) &&
           (tok_ == Tok::LParen || (tok_ == Tok::Num && after_bracket_));
  }

  int term(int depth) {
    int lhs = unary(depth);
    while (out_.error.empty() && (tok_ == Tok::Times || tok_ == Tok::Divide || juxtaposed())) {
      Op op = tok_ == Tok::Divide ? Op::Div : Op::Mul;
      if (tok_ == Tok::Times || tok_ == Tok::Divide) advance();
      int rhs = unary(depth);
      if (!out_.error.empty() || !room()) return -1;
      lhs = out_.tree.binary(op, lhs, rhs);
    }
    return lhs;
  }

  int unary(int depth) {
    if (tok_ == Tok::Plus || tok_ == Tok::Minus) {
      if (!o_.allow_unary) {
        error("unary_sign_not_allowed");
        return -1;
      }
      if (depth > o_.max_depth) {
        error("too_deep");
        return -1;
      }
      bool neg = tok_ == Tok::Minus;
      advance();
      int a = unary(depth + 1);
      if (!out_.error.empty() || !room()) return -1;
      return neg ? out_.tree.unary(Op::Neg, a) : a;
    }
    return power(depth);
  }

  int power(int depth) {
    int base = primary(depth);
    if (!out_.error.empty()) return -1;
    if (tok_ == Tok::Caret) {
      if (!o_.allow_pow) {
        error("power_not_allowed");
        return -1;
      }
      advance();
      // Right-associative, and the exponent may carry a sign: 2^-1, 2^3^2 = 2^9.
      int exponent = unary(depth + 1);
      if (!out_.error.empty() || !room()) return -1;
      return out_.tree.binary(Op::Pow, base, exponent);
    }
    return base;
  }

  int primary(int depth) {
    if (tok_ == Tok::Num) {
      auto v = parse_decimal(digits_, o_.max_literal_digits);
      if (!v) {
        error(digits_ == "." ? "bad_number" : "number_too_long");
        return -1;
      }
      if (!room()) return -1;
      size_t dot = digits_.find('.');
      int places = dot == std::string::npos ? -1 : static_cast<int>(digits_.size() - dot - 1);
      int n = out_.tree.number(std::move(*v), places);
      advance();
      after_bracket_ = false;
      if (tok_ == Tok::Num || (tok_ == Tok::LParen && !juxtaposed())) {
        error("missing_operator");
        return -1;
      }
      return n;
    }
    if (tok_ == Tok::LParen) {
      advance();
      int e = expr(depth + 1);
      if (!out_.error.empty()) return -1;
      if (tok_ != Tok::RParen) {
        error("unbalanced_parentheses");
        return -1;
      }
      advance();
      after_bracket_ = true;
      if ((tok_ == Tok::Num || tok_ == Tok::LParen) && !juxtaposed()) {
        error("missing_operator");
        return -1;
      }
      return e;
    }
    if (tok_ == Tok::End)
      error("unexpected_end");
    else if (tok_ == Tok::Bad)
      error("bad_character");
    else
      error("unexpected_token");
    return -1;
  }

  std::string_view s_;
  const PlainParseOptions& o_;
  ParsedExpr& out_;
  size_t pos_ = 0, tok_start_ = 0;
  Tok tok_ = Tok::End;
  bool after_bracket_ = false;  // the last primary was a bracketed expression
  bool spaced_ = false;         // whitespace came before the current token
  std::string digits_;
};

}  // namespace

ParsedExpr parse_plain(std::string_view text, const PlainParseOptions& options) {
  ParsedExpr out;
  PlainParser(text, options, out).run();
  if (!out.error.empty()) out.root = -1;
  return out;
}

}  // namespace r1
