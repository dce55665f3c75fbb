#include "verifiers/arith/exact_eval.h"

#include <algorithm>
#include <vector>

namespace r1 {

namespace {

using boost::multiprecision::denominator;
using boost::multiprecision::numerator;

int bits_of(const BigInt& x) {
  return x == 0 ? 0 : static_cast<int>(boost::multiprecision::msb(abs(x))) + 1;
}

// Integer power with a size check before the work is done, so 9^9^9 costs nothing.
ExactStatus rational_pow(const BigRational& base, const BigRational& exponent,
                         const ExactLimits& lim, BigRational* out) {
  const BigInt& p = numerator(exponent);
  const BigInt& q = denominator(exponent);
  if (base == 0) {
    if (p < 0) return ExactStatus::DivisionByZero;
    *out = p == 0 ? BigRational(1) : BigRational(0);
    return ExactStatus::Ok;
  }
  if (base == 1) {
    *out = 1;
    return ExactStatus::Ok;
  }
  if (q > 64) return ExactStatus::NotRational;
  if (bits_of(p) > 20) return ExactStatus::TooLarge;
  long long e = p.convert_to<long long>();
  unsigned root_n = q.convert_to<unsigned>();
  BigRational b = base;
  if (root_n > 1) {
    // An even root of a negative number is not real; odd roots keep the sign.
    bool negative = b < 0;
    if (negative && root_n % 2 == 0) return ExactStatus::NotRational;
    BigInt rn, rd;
    BigInt an = abs(numerator(b));
    if (!exact_integer_root(an, root_n, &rn) || !exact_integer_root(denominator(b), root_n, &rd)) {
      return ExactStatus::NotRational;
    }
    b = BigRational(negative ? BigInt(-rn) : rn, rd);
  }
  long long mag = e < 0 ? -e : e;
  int base_bits = rational_bits(b);
  if (static_cast<long long>(base_bits > 1 ? base_bits - 1 : 1) * mag > lim.max_bits &&
      !(b == -1)) {
    return ExactStatus::TooLarge;
  }
  BigInt num = boost::multiprecision::pow(numerator(b), static_cast<unsigned>(mag));
  BigInt den = boost::multiprecision::pow(denominator(b), static_cast<unsigned>(mag));
  if (e < 0) {
    if (num < 0) {
      num = -num;
      den = -den;
    }
    *out = BigRational(den, num);
  } else {
    *out = BigRational(num, den);
  }
  return ExactStatus::Ok;
}

}  // namespace

bool exact_integer_root(const BigInt& x, unsigned n, BigInt* root) {
  if (x < 0 || n == 0) return false;
  if (n == 1 || x < 2) {
    *root = x;
    return true;
  }
  if (n == 2) {
    BigInt r = boost::multiprecision::sqrt(x);
    if (r * r != x) return false;
    *root = r;
    return true;
  }
  // Binary search on the root: at most bits(x)/n + 1 steps of one power each.
  int bits = bits_of(x);
  BigInt lo = 0;
  BigInt hi = BigInt(1) << (bits / static_cast<int>(n) + 1);
  while (lo < hi) {
    BigInt mid = (lo + hi + 1) >> 1;
    if (boost::multiprecision::pow(mid, n) <= x)
      lo = mid;
    else
      hi = mid - 1;
  }
  if (boost::multiprecision::pow(lo, n) != x) return false;
  *root = lo;
  return true;
}

const char* exact_status_name(ExactStatus s) {
  switch (s) {
    case ExactStatus::Ok:
      return "ok";
    case ExactStatus::NotRational:
      return "not_rational";
    case ExactStatus::DivisionByZero:
      return "division_by_zero";
    case ExactStatus::TooLarge:
      return "too_large";
  }
  return "?";
}

ExactResult eval_exact(const ExprTree& tree, int root, const ExactLimits& lim) {
  ExactResult res;
  if (root < 0) return res;
  ExactNodes nodes = eval_exact_nodes(tree, root, lim);
  res.status = nodes.status[root];
  if (res.ok()) res.value = std::move(nodes.value[root]);
  return res;
}

ExactNodes eval_exact_nodes(const ExprTree& tree, int root, const ExactLimits& lim,
                            const VarValues& vars) {
  ExactNodes nodes;
  if (root < 0) return nodes;
  std::vector<bool> live = tree.reachable(root);
  std::vector<BigRational>& val = nodes.value;
  std::vector<ExactStatus>& st = nodes.status;
  val.resize(root + 1);
  st.assign(root + 1, ExactStatus::NotRational);
  // Worst status wins, so a division by zero is reported even next to a variable.
  auto worst = [](ExactStatus a, ExactStatus b) {
    auto rank = [](ExactStatus s) {
      switch (s) {
        case ExactStatus::DivisionByZero:
          return 3;
        case ExactStatus::TooLarge:
          return 2;
        case ExactStatus::NotRational:
          return 1;
        default:
          return 0;
      }
    };
    return rank(a) >= rank(b) ? a : b;
  };
  for (int i = 0; i <= root; ++i) {
    if (!live[i]) continue;
    const ExprNode& n = tree.node(i);
    ExactStatus s = ExactStatus::Ok;
    if (n.op == Op::Var) {
      auto it = std::find_if(vars.begin(), vars.end(),
                             [&](const auto& v) { return v.first == tree.name(i); });
      if (it != vars.end()) {
        val[i] = it->second;
        st[i] = ExactStatus::Ok;
      }
      continue;
    }
    if (n.a >= 0) s = worst(s, st[n.a]);
    if (n.b >= 0) s = worst(s, st[n.b]);
    if (s != ExactStatus::Ok) {
      st[i] = s;
      continue;
    }
    BigRational& out = val[i];
    switch (n.op) {
      case Op::Number:
        out = tree.number_value(i);
        break;
      case Op::Var:
      case Op::Pi:
      case Op::E:
      case Op::Infinity:
        s = ExactStatus::NotRational;
        break;
      case Op::Neg:
        out = -val[n.a];
        break;
      case Op::Add:
        out = val[n.a] + val[n.b];
        break;
      case Op::Sub:
        out = val[n.a] - val[n.b];
        break;
      case Op::Mul:
        out = val[n.a] * val[n.b];
        break;
      case Op::Div:
        if (val[n.b] == 0)
          s = ExactStatus::DivisionByZero;
        else
          out = val[n.a] / val[n.b];
        break;
      case Op::Pow:
        s = rational_pow(val[n.a], val[n.b], lim, &out);
        break;
      case Op::Func: {
        const std::string& f = tree.name(i);
        if (f == "sqrt") {
          s = val[n.a] < 0 ? ExactStatus::NotRational
                           : rational_pow(val[n.a], BigRational(1, 2), lim, &out);
        } else if (f == "abs") {
          out = val[n.a] < 0 ? BigRational(-val[n.a]) : val[n.a];
        } else {
          s = ExactStatus::NotRational;
        }
        break;
      }
      case Op::Factorial: {
        const BigRational& x = val[n.a];
        if (!is_integer(x) || x < 0) {
          s = ExactStatus::NotRational;
        } else if (x > lim.max_factorial) {
          s = ExactStatus::TooLarge;
        } else {
          BigInt f = 1;
          int k = numerator(x).convert_to<int>();
          for (int j = 2; j <= k; ++j) f *= j;
          out = BigRational(f);
        }
        break;
      }
      case Op::Binom: {
        const BigRational& nn = val[n.a];
        const BigRational& kk = val[n.b];
        if (!is_integer(nn) || !is_integer(kk) || nn < 0) {
          s = ExactStatus::NotRational;
        } else if (nn > 100000) {
          s = ExactStatus::TooLarge;
        } else if (kk < 0 || kk > nn) {
          out = 0;
        } else {
          long long N = numerator(nn).convert_to<long long>();
          long long K = numerator(kk).convert_to<long long>();
          if (K > N - K) K = N - K;
          if (K > 2000) {
            s = ExactStatus::TooLarge;
            break;
          }
          BigInt c = 1;
          for (long long j = 1; j <= K; ++j) c = c * (N - K + j) / j;
          out = BigRational(c);
        }
        break;
      }
    }
    if (s == ExactStatus::Ok && rational_bits(out) > lim.max_bits) s = ExactStatus::TooLarge;
    st[i] = s;
  }
  return nodes;
}

}  // namespace r1
