// A tiny subset of Python for the pyoutput family: integers, strings, lists and booleans;
// assignment, +=, list.append, if/else, for over range() or a sequence, while, print. A
// program is built as a tree, printed as Python source, and run here with Python's
// semantics to get the exact printed output plus a step-by-step trace for the worked
// solution. Only integer arithmetic: no floats, so the output is exact.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace r1 {

struct PyVal {
  enum class Kind { Int, Str, List, Bool } kind = Kind::Int;
  int64_t i = 0;  // Int, and Bool as 0/1
  std::string s;
  std::vector<PyVal> items;

  static PyVal integer(int64_t v);
  static PyVal text(std::string v);
  static PyVal list(std::vector<PyVal> v);
  static PyVal boolean(bool v);
  std::string str() const;   // Python str(): what print() writes
  std::string repr() const;  // Python repr(): 'abc', [1, 'a'], True
};

struct PyExpr;
using PyExprPtr = std::shared_ptr<const PyExpr>;

struct PyExpr {
  enum class Kind {
    Const,   // value
    Var,     // name
    Binary,  // name is the operator: + - * // % == != < > <= >= in
    Call,    // name(args...): len, sum, max, min, sorted, range (loops only), str
    Upper,   // args[0].upper()
    Index,   // args[0][args[1]]
    Slice,   // args[0][lo:hi] or args[0][::-1] (step == -1); absent bounds are kNone
  } kind = Kind::Const;
  PyVal value;
  std::string name;
  std::vector<PyExprPtr> args;
  static constexpr int64_t kNone = INT64_MIN;
  int64_t lo = kNone, hi = kNone, step = kNone;
};

// Builders.
PyExprPtr py_int(int64_t v);
PyExprPtr py_str(std::string v);
PyExprPtr py_list(const std::vector<int64_t>& v);
PyExprPtr py_var(std::string name);
PyExprPtr py_bin(std::string op, PyExprPtr l, PyExprPtr r);
PyExprPtr py_call(std::string fn, std::vector<PyExprPtr> args);
PyExprPtr py_upper(PyExprPtr s);
PyExprPtr py_index(PyExprPtr seq, PyExprPtr idx);
PyExprPtr py_slice(PyExprPtr seq, int64_t lo, int64_t hi, int64_t step = PyExpr::kNone);
// An expression on integers in one spelling per sum and per product: + and * on Python's
// integers commute and associate exactly, so each chain of one of them gets its operands in one
// order (expressions and variables first, then literals, each by its source text): `9 * a` is
// `a * 9`, `4 + (a + 3)` is `a + 3 + 4`. Only for integer operands (on strings + does not commute).
PyExprPtr py_canonical_int(const PyExprPtr& e);

struct PyStmt {
  enum class Kind { Assign, AugAssign, Append, If, For, While, Print } kind = Kind::Assign;
  std::string target;           // variable assigned, appended to, or looped with
  std::string op;               // AugAssign: "+", "-", "*", "//", "%"
  PyExprPtr expr;               // value, condition, or loop iterable
  std::vector<PyExprPtr> args;  // Print
  std::vector<PyStmt> body, orelse;
};

PyStmt py_assign(std::string target, PyExprPtr value);
PyStmt py_augassign(std::string target, std::string op, PyExprPtr value);
PyStmt py_append(std::string list, PyExprPtr value);
PyStmt py_if(PyExprPtr cond, std::vector<PyStmt> body, std::vector<PyStmt> orelse = {});
PyStmt py_for(std::string var, PyExprPtr iterable, std::vector<PyStmt> body);
PyStmt py_while(PyExprPtr cond, std::vector<PyStmt> body);
PyStmt py_print(std::vector<PyExprPtr> args);

using PyProgram = std::vector<PyStmt>;

// The Python source, 4-space indents, ending in a newline.
std::string py_source(const PyProgram& program);
std::string py_source(const PyExpr& e);

struct PyRun {
  std::string output;              // exactly what Python prints (each print ends with \n)
  std::vector<std::string> trace;  // worked steps: "x = 10", claims "7+3 = 10", "output: 10"
};
// Runs the program. Throws r1::Error on anything outside the subset, on a runaway loop
// (max_steps statements) or on an integer beyond +-max_abs, so generators can redraw.
PyRun py_run(const PyProgram& program, int max_steps = 200, int64_t max_abs = 1000000);

}  // namespace r1
