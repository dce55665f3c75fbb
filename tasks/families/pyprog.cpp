#include "tasks/families/pyprog.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "tasks/rational.h"
#include "tasks/solution.h"

namespace r1 {

// ---- values ----

PyVal PyVal::integer(int64_t v) {
  PyVal p;
  p.i = v;
  return p;
}
PyVal PyVal::text(std::string v) {
  PyVal p;
  p.kind = Kind::Str;
  p.s = std::move(v);
  return p;
}
PyVal PyVal::list(std::vector<PyVal> v) {
  PyVal p;
  p.kind = Kind::List;
  p.items = std::move(v);
  return p;
}
PyVal PyVal::boolean(bool v) {
  PyVal p;
  p.kind = Kind::Bool;
  p.i = v;
  return p;
}

std::string PyVal::str() const {
  return kind == Kind::Str ? s : repr();
}

std::string PyVal::repr() const {
  switch (kind) {
    case Kind::Int:
      return std::to_string(i);
    case Kind::Bool:
      return i ? "True" : "False";
    case Kind::Str: {
      // Generated strings hold only letters and spaces, so Python quotes them with ' as-is.
      for (char ch : s)
        R1_CHECK(ch != '\'' && ch != '\\' && ch >= ' ' && ch <= '~', "unsupported character");
      return cat("'", s, "'");
    }
    default: {
      std::string out = "[";
      for (size_t k = 0; k < items.size(); ++k) out += cat(k ? ", " : "", items[k].repr());
      return out + "]";
    }
  }
}

// ---- builders ----

namespace {
std::shared_ptr<PyExpr> node(PyExpr::Kind k) {
  auto e = std::make_shared<PyExpr>();
  e->kind = k;
  return e;
}
}  // namespace

PyExprPtr py_int(int64_t v) {
  auto e = node(PyExpr::Kind::Const);
  e->value = PyVal::integer(v);
  return e;
}
PyExprPtr py_str(std::string v) {
  auto e = node(PyExpr::Kind::Const);
  e->value = PyVal::text(std::move(v));
  return e;
}
PyExprPtr py_list(const std::vector<int64_t>& v) {
  auto e = node(PyExpr::Kind::Const);
  std::vector<PyVal> items;
  for (int64_t x : v) items.push_back(PyVal::integer(x));
  e->value = PyVal::list(std::move(items));
  return e;
}
PyExprPtr py_var(std::string name) {
  auto e = node(PyExpr::Kind::Var);
  e->name = std::move(name);
  return e;
}
PyExprPtr py_bin(std::string op, PyExprPtr l, PyExprPtr r) {
  auto e = node(PyExpr::Kind::Binary);
  e->name = std::move(op);
  e->args = {std::move(l), std::move(r)};
  return e;
}
namespace {
// The operands of the chain of `op` that `e` heads: `(a + 3) + 4` gives a, 3, 4.
void chain_operands(const PyExprPtr& e, const std::string& op, std::vector<PyExprPtr>& out) {
  if (e->kind == PyExpr::Kind::Binary && e->name == op) {
    chain_operands(e->args[0], op, out);
    chain_operands(e->args[1], op, out);
  } else {
    out.push_back(e);
  }
}
}  // namespace

PyExprPtr py_canonical_int(const PyExprPtr& e) {
  if (e->kind != PyExpr::Kind::Binary) return e;
  if (e->name != "+" && e->name != "*")
    return py_bin(e->name, py_canonical_int(e->args[0]), py_canonical_int(e->args[1]));
  std::vector<PyExprPtr> operands;
  chain_operands(e, e->name, operands);
  std::vector<std::pair<std::pair<bool, std::string>, PyExprPtr>> keyed;
  for (const PyExprPtr& o : operands) {
    PyExprPtr c = py_canonical_int(o);
    keyed.push_back({{c->kind == PyExpr::Kind::Const, py_source(*c)}, c});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  PyExprPtr out = keyed[0].second;
  for (size_t i = 1; i < keyed.size(); ++i) out = py_bin(e->name, out, keyed[i].second);
  return out;
}

PyExprPtr py_call(std::string fn, std::vector<PyExprPtr> args) {
  auto e = node(PyExpr::Kind::Call);
  e->name = std::move(fn);
  e->args = std::move(args);
  return e;
}
PyExprPtr py_upper(PyExprPtr s) {
  auto e = node(PyExpr::Kind::Upper);
  e->args = {std::move(s)};
  return e;
}
PyExprPtr py_index(PyExprPtr seq, PyExprPtr idx) {
  auto e = node(PyExpr::Kind::Index);
  e->args = {std::move(seq), std::move(idx)};
  return e;
}
PyExprPtr py_slice(PyExprPtr seq, int64_t lo, int64_t hi, int64_t step) {
  auto e = node(PyExpr::Kind::Slice);
  e->args = {std::move(seq)};
  e->lo = lo;
  e->hi = hi;
  e->step = step;
  return e;
}

PyStmt py_assign(std::string target, PyExprPtr value) {
  PyStmt s;
  s.target = std::move(target);
  s.expr = std::move(value);
  return s;
}
PyStmt py_augassign(std::string target, std::string op, PyExprPtr value) {
  PyStmt s = py_assign(std::move(target), std::move(value));
  s.kind = PyStmt::Kind::AugAssign;
  s.op = std::move(op);
  return s;
}
PyStmt py_append(std::string list, PyExprPtr value) {
  PyStmt s = py_assign(std::move(list), std::move(value));
  s.kind = PyStmt::Kind::Append;
  return s;
}
PyStmt py_if(PyExprPtr cond, std::vector<PyStmt> body, std::vector<PyStmt> orelse) {
  PyStmt s;
  s.kind = PyStmt::Kind::If;
  s.expr = std::move(cond);
  s.body = std::move(body);
  s.orelse = std::move(orelse);
  return s;
}
PyStmt py_for(std::string var, PyExprPtr iterable, std::vector<PyStmt> body) {
  PyStmt s;
  s.kind = PyStmt::Kind::For;
  s.target = std::move(var);
  s.expr = std::move(iterable);
  s.body = std::move(body);
  return s;
}
PyStmt py_while(PyExprPtr cond, std::vector<PyStmt> body) {
  PyStmt s;
  s.kind = PyStmt::Kind::While;
  s.expr = std::move(cond);
  s.body = std::move(body);
  return s;
}
PyStmt py_print(std::vector<PyExprPtr> args) {
  PyStmt s;
  s.kind = PyStmt::Kind::Print;
  s.args = std::move(args);
  return s;
}

// ---- source ----

namespace {

bool is_compare(const std::string& op) {
  return op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=" ||
         op == "in";
}

int precedence(const PyExpr& e) {
  if (e.kind != PyExpr::Kind::Binary) return 4;
  if (is_compare(e.name)) return 1;
  return e.name == "+" || e.name == "-" ? 2 : 3;
}

std::string const_source(const PyVal& v) {
  switch (v.kind) {
    case PyVal::Kind::Str:
      return cat("\"", v.s, "\"");
    case PyVal::Kind::List: {
      std::string out = "[";
      for (size_t k = 0; k < v.items.size(); ++k)
        out += cat(k ? ", " : "", const_source(v.items[k]));
      return out + "]";
    }
    default:
      return v.repr();
  }
}

std::string atom(const PyExpr& e) {
  std::string s = py_source(e);
  return precedence(e) < 4 ? cat("(", s, ")") : s;
}

void emit(const std::vector<PyStmt>& stmts, int indent, std::string* out) {
  std::string pad(static_cast<size_t>(indent) * 4, ' ');
  for (const auto& s : stmts) {
    switch (s.kind) {
      case PyStmt::Kind::Assign:
        *out += cat(pad, s.target, " = ", py_source(*s.expr), "\n");
        break;
      case PyStmt::Kind::AugAssign:
        *out += cat(pad, s.target, " ", s.op, "= ", py_source(*s.expr), "\n");
        break;
      case PyStmt::Kind::Append:
        *out += cat(pad, s.target, ".append(", py_source(*s.expr), ")\n");
        break;
      case PyStmt::Kind::If:
        *out += cat(pad, "if ", py_source(*s.expr), ":\n");
        emit(s.body, indent + 1, out);
        if (!s.orelse.empty()) {
          *out += pad + "else:\n";
          emit(s.orelse, indent + 1, out);
        }
        break;
      case PyStmt::Kind::For:
        *out += cat(pad, "for ", s.target, " in ", py_source(*s.expr), ":\n");
        emit(s.body, indent + 1, out);
        break;
      case PyStmt::Kind::While:
        *out += cat(pad, "while ", py_source(*s.expr), ":\n");
        emit(s.body, indent + 1, out);
        break;
      case PyStmt::Kind::Print: {
        std::string args;
        for (size_t k = 0; k < s.args.size(); ++k)
          args += cat(k ? ", " : "", py_source(*s.args[k]));
        *out += cat(pad, "print(", args, ")\n");
        break;
      }
    }
  }
}

}  // namespace

std::string py_source(const PyExpr& e) {
  switch (e.kind) {
    case PyExpr::Kind::Const:
      return const_source(e.value);
    case PyExpr::Kind::Var:
      return e.name;
    case PyExpr::Kind::Binary: {
      int p = precedence(e);
      std::string l = py_source(*e.args[0]), r = py_source(*e.args[1]);
      if (precedence(*e.args[0]) < p || (p == 1 && precedence(*e.args[0]) == 1))
        l = cat("(", l, ")");
      if (precedence(*e.args[1]) <= p) r = cat("(", r, ")");
      return cat(l, " ", e.name, " ", r);
    }
    case PyExpr::Kind::Call: {
      std::string args;
      for (size_t k = 0; k < e.args.size(); ++k) args += cat(k ? ", " : "", py_source(*e.args[k]));
      return cat(e.name, "(", args, ")");
    }
    case PyExpr::Kind::Upper:
      return cat(atom(*e.args[0]), ".upper()");
    case PyExpr::Kind::Index:
      return cat(atom(*e.args[0]), "[", py_source(*e.args[1]), "]");
    case PyExpr::Kind::Slice: {
      auto bound = [](int64_t v) { return v == PyExpr::kNone ? std::string() : std::to_string(v); };
      std::string s = cat(atom(*e.args[0]), "[", bound(e.lo), ":", bound(e.hi));
      if (e.step != PyExpr::kNone) s += cat(":", e.step);
      return s + "]";
    }
  }
  return "";
}

std::string py_source(const PyProgram& program) {
  std::string out;
  emit(program, 0, &out);
  return out;
}

// ---- running ----

namespace {

class Runner {
 public:
  Runner(int max_steps, int64_t max_abs) : max_steps_(max_steps), max_abs_(max_abs) {}

  PyRun run(const PyProgram& p) {
    exec(p);
    return std::move(out_);
  }

 private:
  [[noreturn]] void error(const std::string& msg) { fail("pyoutput program: ", msg); }

  int64_t checked(__int128 v) {
    if (v > max_abs_ || v < -max_abs_) error(cat("integer out of range"));
    return static_cast<int64_t>(v);
  }

  const PyVal& lookup(const std::string& name) {
    auto it = env_.find(name);
    if (it == env_.end()) error("name '" + name + "' is not defined");
    return it->second;
  }

  void check_size(const PyVal& v) {
    if ((v.kind == PyVal::Kind::Str && v.s.size() > 60) ||
        (v.kind == PyVal::Kind::List && v.items.size() > 20)) {
      error("value too long");
    }
  }

  PyVal arith(const std::string& op, const PyVal& l, const PyVal& r) {
    using K = PyVal::Kind;
    if (l.kind == K::Int && r.kind == K::Int) {
      if (op == "+" || op == "-" || op == "*") {
        __int128 v = op == "+"   ? static_cast<__int128>(l.i) + r.i
                     : op == "-" ? static_cast<__int128>(l.i) - r.i
                                 : static_cast<__int128>(l.i) * r.i;
        int64_t x = checked(v);
        out_.trace.push_back(claim(l.i, op[0], r.i, x));
        return PyVal::integer(x);
      }
      if (op == "//" || op == "%") {
        if (r.i == 0) error("division by zero");
        int64_t q = l.i / r.i, m = l.i % r.i;
        if (m != 0 && ((m < 0) != (r.i < 0))) --q, m += r.i;  // Python floors
        // One identity justifies both the quotient and the remainder.
        out_.trace.push_back(cat(l.i, " = ", r.i, "*", operand(q), "+", operand(m)));
        return PyVal::integer(op == "//" ? q : m);
      }
    }
    if (op == "+" && l.kind == r.kind && (l.kind == K::Str || l.kind == K::List)) {
      PyVal v = l;
      v.s += r.s;
      v.items.insert(v.items.end(), r.items.begin(), r.items.end());
      check_size(v);
      return v;
    }
    if (op == "*" && (l.kind == K::Str || l.kind == K::List) && r.kind == K::Int) {
      PyVal v = l;
      v.s.clear();
      v.items.clear();
      for (int64_t k = 0; k < r.i && k < 100; ++k) {
        v.s += l.s;
        v.items.insert(v.items.end(), l.items.begin(), l.items.end());
      }
      check_size(v);
      return v;
    }
    error("unsupported operands for " + op);
  }

  static bool less(const PyVal& l, const PyVal& r) {
    return l.kind == PyVal::Kind::Str ? l.s < r.s : l.i < r.i;
  }

  bool equal(const PyVal& l, const PyVal& r) {
    if (l.kind != r.kind) return false;
    if (l.kind == PyVal::Kind::List) {
      if (l.items.size() != r.items.size()) return false;
      for (size_t k = 0; k < l.items.size(); ++k) {
        if (!equal(l.items[k], r.items[k])) return false;
      }
      return true;
    }
    return l.kind == PyVal::Kind::Str ? l.s == r.s : l.i == r.i;
  }

  PyVal compare(const std::string& op, const PyVal& l, const PyVal& r) {
    using K = PyVal::Kind;
    if (op == "==") return PyVal::boolean(equal(l, r));
    if (op == "!=") return PyVal::boolean(!equal(l, r));
    if (op == "in") {
      if (r.kind == K::Str && l.kind == K::Str)
        return PyVal::boolean(r.s.find(l.s) != std::string::npos);
      if (r.kind == K::List) {
        for (const auto& x : r.items) {
          if (equal(x, l)) return PyVal::boolean(true);
        }
        return PyVal::boolean(false);
      }
      error("unsupported operands for in");
    }
    bool same = l.kind == r.kind && (l.kind == K::Int || l.kind == K::Str);
    if (!same) error("unsupported operands for " + op);
    bool v = op == "<"    ? less(l, r)
             : op == ">"  ? less(r, l)
             : op == "<=" ? !less(r, l)
                          : !less(l, r);
    return PyVal::boolean(v);
  }

  int64_t index_of(int64_t idx, size_t size) {
    int64_t n = static_cast<int64_t>(size);
    if (idx < 0) idx += n;
    if (idx < 0 || idx >= n) error("index out of range");
    return idx;
  }

  PyVal call(const PyExpr& e) {
    std::vector<PyVal> a;
    for (const auto& x : e.args) a.push_back(eval(*x));
    using K = PyVal::Kind;
    const std::string& fn = e.name;
    if (fn == "len" && a.size() == 1 && (a[0].kind == K::Str || a[0].kind == K::List)) {
      return PyVal::integer(
          static_cast<int64_t>(a[0].kind == K::Str ? a[0].s.size() : a[0].items.size()));
    }
    if (fn == "str" && a.size() == 1 && a[0].kind == K::Int) return PyVal::text(a[0].str());
    if (a.size() == 1 && a[0].kind == K::List) {
      const auto& xs = a[0].items;
      for (const auto& x : xs) {
        if (x.kind != K::Int) error(fn + "() of a list that is not all integers");
      }
      if (fn == "sum") {
        __int128 s = 0;
        std::string terms;
        for (size_t k = 0; k < xs.size(); ++k) {
          s += xs[k].i;
          terms += k ? cat("+", operand(xs[k].i)) : std::to_string(xs[k].i);
        }
        int64_t v = checked(s);
        if (xs.size() > 1) out_.trace.push_back(cat(terms, " = ", v));
        return PyVal::integer(v);
      }
      if ((fn == "max" || fn == "min") && !xs.empty()) {
        auto it = fn == "max" ? std::max_element(xs.begin(), xs.end(), less)
                              : std::min_element(xs.begin(), xs.end(), less);
        return *it;
      }
      if (fn == "sorted") {
        PyVal v = a[0];
        std::stable_sort(v.items.begin(), v.items.end(), less);
        return v;
      }
    }
    if ((fn == "max" || fn == "min") && a.size() == 2 && a[0].kind == K::Int &&
        a[1].kind == K::Int) {
      return PyVal::integer(fn == "max" ? std::max(a[0].i, a[1].i) : std::min(a[0].i, a[1].i));
    }
    error("unsupported call " + fn + "()");
  }

  PyVal eval(const PyExpr& e) {
    using K = PyVal::Kind;
    switch (e.kind) {
      case PyExpr::Kind::Const:
        return e.value;
      case PyExpr::Kind::Var:
        return lookup(e.name);
      case PyExpr::Kind::Binary: {
        PyVal l = eval(*e.args[0]);
        PyVal r = eval(*e.args[1]);
        return is_compare(e.name) ? compare(e.name, l, r) : arith(e.name, l, r);
      }
      case PyExpr::Kind::Call:
        return call(e);
      case PyExpr::Kind::Upper: {
        PyVal s = eval(*e.args[0]);
        if (s.kind != K::Str) error("upper() of a non-string");
        for (auto& ch : s.s) {
          if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        }
        return s;
      }
      case PyExpr::Kind::Index: {
        PyVal seq = eval(*e.args[0]);
        PyVal idx = eval(*e.args[1]);
        if (idx.kind != K::Int) error("index is not an integer");
        if (seq.kind == K::Str)
          return PyVal::text(std::string(1, seq.s[index_of(idx.i, seq.s.size())]));
        if (seq.kind == K::List) return seq.items[index_of(idx.i, seq.items.size())];
        error("indexing a value that is not a sequence");
      }
      case PyExpr::Kind::Slice: {
        PyVal seq = eval(*e.args[0]);
        if (seq.kind != K::Str && seq.kind != K::List)
          error("slicing a value that is not a sequence");
        int64_t n = static_cast<int64_t>(seq.kind == K::Str ? seq.s.size() : seq.items.size());
        PyVal out = seq;
        if (e.step == -1) {
          if (e.lo != PyExpr::kNone || e.hi != PyExpr::kNone)
            error("only [::-1] is supported with a step");
          std::reverse(out.s.begin(), out.s.end());
          std::reverse(out.items.begin(), out.items.end());
          return out;
        }
        if (e.step != PyExpr::kNone) error("unsupported slice step");
        // Python clamps slice bounds into [0, n] after adding n to negative ones.
        auto clamp = [n](int64_t v, int64_t fallback) {
          if (v == PyExpr::kNone) return fallback;
          if (v < 0) v += n;
          return std::min(std::max<int64_t>(v, 0), n);
        };
        int64_t lo = clamp(e.lo, 0), hi = std::max(clamp(e.hi, n), lo);
        out.s = seq.kind == K::Str
                    ? seq.s.substr(static_cast<size_t>(lo), static_cast<size_t>(hi - lo))
                    : "";
        out.items.clear();
        if (seq.kind == K::List) out.items.assign(seq.items.begin() + lo, seq.items.begin() + hi);
        return out;
      }
    }
    error("unknown expression");
  }

  // A condition of if/while: its line reads "472 > 0 is True".
  bool condition(const PyExpr& e) {
    if (e.kind != PyExpr::Kind::Binary || !is_compare(e.name))
      error("a condition must be a comparison");
    PyVal l = eval(*e.args[0]);
    PyVal r = eval(*e.args[1]);
    bool v = compare(e.name, l, r).i != 0;
    out_.trace.push_back(cat(l.repr(), " ", e.name, " ", r.repr(), " is ", v ? "True" : "False"));
    return v;
  }

  void set(const std::string& name, PyVal v) {
    check_size(v);
    out_.trace.push_back(cat(name, " = ", v.repr()));
    env_[name] = std::move(v);
  }

  void tick() {
    if (++steps_ > max_steps_) error("too many steps");
  }

  void exec(const std::vector<PyStmt>& stmts) {
    for (const auto& s : stmts) {
      tick();
      switch (s.kind) {
        case PyStmt::Kind::Assign:
          set(s.target, eval(*s.expr));
          break;
        case PyStmt::Kind::AugAssign: {
          PyVal cur = lookup(s.target);
          set(s.target, arith(s.op, cur, eval(*s.expr)));
          break;
        }
        case PyStmt::Kind::Append: {
          PyVal v = eval(*s.expr);
          PyVal list = lookup(s.target);
          if (list.kind != PyVal::Kind::List) error("append to a non-list");
          list.items.push_back(std::move(v));
          set(s.target, std::move(list));
          break;
        }
        case PyStmt::Kind::If:
          exec(condition(*s.expr) ? s.body : s.orelse);
          break;
        case PyStmt::Kind::For: {
          std::vector<PyVal> items;
          const PyExpr& it = *s.expr;
          if (it.kind == PyExpr::Kind::Call && it.name == "range") {
            std::vector<int64_t> a;
            for (const auto& x : it.args) {
              PyVal v = eval(*x);
              if (v.kind != PyVal::Kind::Int) error("range() of a non-integer");
              a.push_back(v.i);
            }
            if (a.empty() || a.size() > 2) error("range() takes 1 or 2 arguments here");
            int64_t lo = a.size() == 2 ? a[0] : 0, hi = a.back();
            for (int64_t k = lo; k < hi && items.size() <= static_cast<size_t>(max_steps_); ++k) {
              items.push_back(PyVal::integer(k));
            }
          } else {
            PyVal seq = eval(it);
            if (seq.kind == PyVal::Kind::Str) {
              for (char ch : seq.s) items.push_back(PyVal::text(std::string(1, ch)));
            } else if (seq.kind == PyVal::Kind::List) {
              items = seq.items;
            } else {
              error("for over a value that is not a sequence");
            }
          }
          for (auto& v : items) {
            tick();
            set(s.target, std::move(v));
            exec(s.body);
          }
          break;
        }
        case PyStmt::Kind::While:
          while (condition(*s.expr)) {
            tick();
            exec(s.body);
          }
          break;
        case PyStmt::Kind::Print: {
          std::string line;
          for (size_t k = 0; k < s.args.size(); ++k)
            line += cat(k ? " " : "", eval(*s.args[k]).str());
          out_.output += line + "\n";
          out_.trace.push_back("output: " + line);
          break;
        }
      }
    }
  }

  int max_steps_;
  int64_t max_abs_;
  int steps_ = 0;
  std::map<std::string, PyVal> env_;
  PyRun out_;
};

}  // namespace

PyRun py_run(const PyProgram& program, int max_steps, int64_t max_abs) {
  return Runner(max_steps, max_abs).run(program);
}

}  // namespace r1
