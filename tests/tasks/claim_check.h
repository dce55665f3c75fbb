// Test helper: an exact checker for the arithmetic claim lines of worked solutions, written
// independently of tasks/ so it does not share that code's mistakes. A claim is a line with
// '=' and no letters; every side must parse as + - * / ^ on integers with parentheses and
// unary minus, and all sides must be equal as exact rationals (128-bit).
#pragma once
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace r1_test {

struct Q {
  __int128 n = 0, d = 1;
};

inline __int128 gcd128(__int128 a, __int128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

inline Q norm(__int128 n, __int128 d) {
  if (d < 0) n = -n, d = -d;
  __int128 g = gcd128(n, d);
  if (g > 1) n /= g, d /= g;
  return {n, d};
}

class ExactParser {
 public:
  explicit ExactParser(std::string s) : s_(std::move(s)) {}
  // nullopt when the text is not plain arithmetic or divides by zero.
  std::optional<Q> parse() {
    ok_ = true;
    Q v = sum();
    skip();
    if (!ok_ || i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  void skip() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  Q sum() {
    Q v = product();
    for (;;) {
      if (eat('+')) {
        Q r = product();
        v = norm(v.n * r.d + r.n * v.d, v.d * r.d);
      } else if (eat('-')) {
        Q r = product();
        v = norm(v.n * r.d - r.n * v.d, v.d * r.d);
      } else {
        return v;
      }
    }
  }
  Q product() {
    Q v = unary();
    for (;;) {
      if (eat('*')) {
        Q r = unary();
        v = norm(v.n * r.n, v.d * r.d);
      } else if (eat('/')) {
        Q r = unary();
        if (r.n == 0) {
          ok_ = false;
          return v;
        }
        v = norm(v.n * r.d, v.d * r.n);
      } else {
        return v;
      }
    }
  }
  Q unary() {
    if (eat('-')) {
      Q v = unary();
      return {-v.n, v.d};
    }
    return power();
  }
  Q power() {
    Q b = atom();
    if (eat('^')) {
      Q e = unary();
      if (e.d != 1 || e.n < 0 || e.n > 64) {
        ok_ = false;
        return b;
      }
      Q r{1, 1};
      for (__int128 k = 0; k < e.n; ++k) r = norm(r.n * b.n, r.d * b.d);
      return r;
    }
    return b;
  }
  Q atom() {
    if (eat('(')) {
      Q v = sum();
      if (!eat(')')) ok_ = false;
      return v;
    }
    skip();
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) {
      ok_ = false;
      return {};
    }
    __int128 v = 0;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
      v = v * 10 + (s_[i_++] - '0');
    return {v, 1};
  }
  std::string s_;
  size_t i_ = 0;
  bool ok_ = true;
};

inline std::optional<Q> exact_value(const std::string& text) {
  return ExactParser(text).parse();
}

inline bool has_letter(const std::string& line) {
  for (char c : line) {
    if (std::isalpha(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

struct ClaimReport {
  int claims = 0;
  std::vector<std::string> bad;  // false or unparseable claim lines, and bare letter-free lines
};

// Checks every line of `think`.
inline ClaimReport check_claims(const std::string& think) {
  ClaimReport rep;
  size_t pos = 0;
  while (pos <= think.size()) {
    size_t end = think.find('\n', pos);
    if (end == std::string::npos) end = think.size();
    std::string line = think.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || has_letter(line)) continue;
    if (line.find('=') == std::string::npos) {
      rep.bad.push_back("no '=' in a letter-free line: " + line);
      continue;
    }
    ++rep.claims;
    std::vector<std::string> sides;
    size_t a = 0, b;
    while ((b = line.find('=', a)) != std::string::npos) {
      sides.push_back(line.substr(a, b - a));
      a = b + 1;
    }
    sides.push_back(line.substr(a));
    std::optional<Q> first;
    bool good = true;
    for (const auto& s : sides) {
      auto v = exact_value(s);
      if (!v) {
        good = false;
        break;
      }
      if (!first)
        first = v;
      else if (v->n != first->n || v->d != first->d)
        good = false;
    }
    if (!good) rep.bad.push_back(line);
  }
  return rep;
}

// The exact value of an answer like "7", "-5/2"; nullopt if it is not one.
inline std::optional<Q> answer_value(const std::string& a) {
  return exact_value(a);
}

}  // namespace r1_test
