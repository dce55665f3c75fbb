# The self-play program runner (verifiers/selfplay/program_runner.h). Trusted code, run inside
# the sandbox: it reads one JSON request on stdin and writes one JSON object, on a line that
# starts with "R1SP ", as its last output. The untrusted program it runs never sees the real
# stdout (its prints go to a buffer), gets builtins without eval/exec/open/getattr/id/hash/...,
# may import only a few pure modules, and has already passed the static check below, which
# refuses every name (but a bare "_") or attribute that starts with an underscore (the way out
# of a restricted namespace goes through dunders).
#
# Request: {"program", "entry", "inputs": [args as Python source, e.g. "'ab', 3"],
#           "expected": [outputs as Python literals] (optional), "limits": {...},
#           "compare": [answer, gold] (compare only)}
#   mode "run":     check the program statically, then run it: the entry is called twice on a
#                   fresh copy of each input's arguments; both calls must give the same value,
#                   a plain literal (None, bool, int, float, str, bytes, complex, and lists,
#                   tuples, dicts, sets of them) whose repr reads back as an equal value.
#                   With "expected", each output is also compared strictly with its expected one.
#   mode "compare": two literals compared strictly (a deduction answer against the gold output).
# Reasons (stable, machine-friendly): syntax_error, program_too_long, program_too_big,
# banned_import, banned_name, private_name, no_entry_point, bad_input, input_too_long,
# too_many_inputs, load_error, runtime_error, unplain_output, huge_output, nondeterministic,
# bad_answer.
import ast
import builtins
import copy
import hashlib
import io
import json
import os
import sys

MARK = "R1SP "

# Pure modules a program may import. Everything else (random, time, os, sys, subprocess,
# threading, socket, ...) is refused: it is a source of nondeterminism or a way out.
ALLOWED_MODULES = frozenset([
    "math", "cmath", "itertools", "functools", "collections", "string", "re", "heapq", "bisect",
    "operator", "fractions", "statistics", "copy", "array",
])

# Builtins that reach outside the value world (files, interpreter state, reflection) or that
# differ between runs (id, hash of str). Refused by name in the static check and absent from
# the program's builtins.
BANNED_NAMES = frozenset([
    "eval", "exec", "compile", "open", "input", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "id", "hash", "breakpoint", "help", "exit", "quit", "memoryview", "dir",
])


class Reject(Exception):
    def __init__(self, reason, message):
        Exception.__init__(self, message)
        self.reason = reason
        self.message = message


def short(e, n=200):
    try:
        s = "%s: %s" % (type(e).__name__, e)
    except Exception:
        s = type(e).__name__
    return s if len(s) <= n else s[:n] + "..."


def limit(limits, name, default):
    v = limits.get(name, default)
    return v if type(v) is int and v > 0 else default


def check_program(src, entry, limits):
    # Static checks on the source, before anything of it runs.
    if type(src) is not str or not src.strip():
        raise Reject("syntax_error", "the program is empty")
    if len(src.encode("utf-8", "surrogatepass")) > limit(limits, "max_program_bytes", 4096):
        raise Reject("program_too_long", "the program is longer than %d bytes"
                     % limit(limits, "max_program_bytes", 4096))
    try:
        tree = ast.parse(src, "<program>")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        raise Reject("syntax_error", short(e))
    nodes = 0
    max_nodes = limit(limits, "max_ast_nodes", 1000)
    for node in ast.walk(tree):
        nodes += 1
        if nodes > max_nodes:
            raise Reject("program_too_big", "the program has more than %d syntax nodes" % max_nodes)
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root not in ALLOWED_MODULES:
                    raise Reject("banned_import", "import of %s" % root)
        elif isinstance(node, ast.ImportFrom):
            root = (node.module or "").split(".")[0]
            if node.level != 0 or root not in ALLOWED_MODULES:
                raise Reject("banned_import", "import from %s" % (root or "."))
            for alias in node.names:
                if alias.name == "*" or alias.name.startswith("_"):
                    raise Reject("banned_import", "from %s import %s" % (root, alias.name))
        elif isinstance(node, ast.Name):
            if node.id in BANNED_NAMES:
                raise Reject("banned_name", "use of %s" % node.id)
            if node.id.startswith("_") and node.id != "_":  # a bare _ is a throwaway name
                raise Reject("private_name", "use of %s" % node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise Reject("private_name", "attribute %s" % node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if node.name.startswith("_"):
                raise Reject("private_name", "definition of %s" % node.name)
        elif isinstance(node, (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith)):
            raise Reject("banned_name", "async code")
        elif isinstance(node, ast.arg):
            if node.arg.startswith("_") and node.arg != "_":
                raise Reject("private_name", "argument %s" % node.arg)
        elif isinstance(node, ast.alias) and node.asname and node.asname.startswith("_"):
            raise Reject("private_name", "alias %s" % node.asname)
    if not any(isinstance(n, ast.FunctionDef) and n.name == entry for n in tree.body):
        raise Reject("no_entry_point", "the program does not define %s at top level" % entry)
    # The normal form: the syntax tree without positions, so comments, spacing and quotes do
    # not make a new program.
    norm = ast.dump(tree, annotate_fields=False)
    return tree, nodes, hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def check_plain(x, depth=0):
    t = type(x)
    if depth > 40:
        raise Reject("unplain_output", "a value nested deeper than 40 levels")
    if x is None or t in (bool, int, float, str, bytes, complex):
        return
    if t in (list, tuple, set, frozenset):
        for v in x:
            check_plain(v, depth + 1)
        return
    if t is dict:
        for k, v in x.items():
            check_plain(k, depth + 1)
            check_plain(v, depth + 1)
        return
    raise Reject("unplain_output", "a value of type %s is not a literal" % t.__name__)


def strict_eq(a, b, depth=0):
    # Equal values of the same types all the way down: 1 is not 1.0 or True, (1,) is not [1].
    ta = type(a)
    if ta is not type(b) or depth > 40:
        return False
    if ta is list or ta is tuple:
        return len(a) == len(b) and all(strict_eq(x, y, depth + 1) for x, y in zip(a, b))
    if ta is dict:
        if len(a) != len(b):
            return False
        for k, v in a.items():
            if k not in b:
                return False
            kb = next(x for x in b if x == k)
            if not strict_eq(k, kb, depth + 1) or not strict_eq(v, b[k], depth + 1):
                return False
        return True
    if ta is set or ta is frozenset:
        return len(a) == len(b) and all(any(strict_eq(x, y, depth + 1) for y in b) for x in a)
    if ta is float:
        return a == b or (a != a and b != b)
    return a == b


def read_literal(text, reason, max_bytes):
    if type(text) is not str:
        raise Reject(reason, "not text")
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise Reject(reason, "longer than %d bytes" % max_bytes)
    try:
        v = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as e:
        raise Reject(reason, short(e))
    check_plain(v)
    return v


def read_args(text, max_bytes):
    # "'ab', 3" -> ('ab', 3); "[1, 2]" -> ([1, 2],); "" -> ().
    if type(text) is not str:
        raise Reject("bad_input", "an input must be text")
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise Reject("input_too_long", "an input is longer than %d bytes" % max_bytes)
    src = text.strip()
    while src.endswith(","):
        src = src[:-1].rstrip()
    if not src:
        return ()
    try:
        v = ast.literal_eval("(" + src + "\n,)")
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as e:
        raise Reject("bad_input", "an input is not a list of Python literals: " + short(e))
    try:
        check_plain(v)
    except Reject as e:
        raise Reject("bad_input", e.message)
    return v


def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0 or name.split(".")[0] not in ALLOWED_MODULES:
        raise ImportError("module %s is not allowed" % name)
    return builtins.__import__(name, globals, locals, fromlist, level)


def program_builtins():
    b = {k: v for k, v in builtins.__dict__.items()
         if k not in BANNED_NAMES and not k.startswith("_")}
    b["__import__"] = guarded_import
    b["__build_class__"] = builtins.__build_class__
    b["__name__"] = "builtins"
    return b


def call(fn, args):
    try:
        return fn(*copy.deepcopy(args))
    except Reject:
        raise
    except BaseException as e:  # a program may raise SystemExit or its own BaseException
        raise Reject("runtime_error", short(e))


def run(req):
    limits = req.get("limits") if type(req.get("limits")) is dict else {}
    entry = req.get("entry") or "f"
    inputs = req.get("inputs") or []
    expected = req.get("expected")
    max_inputs = limit(limits, "max_inputs", 16)
    if type(inputs) is not list or len(inputs) > max_inputs:
        raise Reject("too_many_inputs", "at most %d inputs" % max_inputs)
    tree, nodes, program_key = check_program(req.get("program"), entry, limits)
    args_list = [read_args(t, limit(limits, "max_input_bytes", 512)) for t in inputs]
    # The inputs' normal form: the repr of what they read as.
    norm_inputs = [repr(a)[1:-1].rstrip(",") if a else "" for a in args_list]
    key = hashlib.sha256((program_key + "\n" + "\n".join(norm_inputs)).encode(
        "utf-8", "surrogatepass")).hexdigest()[:16]
    report = {"ok": True, "program_key": program_key, "key": key, "ast_nodes": nodes,
              "inputs": norm_inputs}
    if req.get("check_only"):
        return report
    ns = {"__builtins__": program_builtins(), "__name__": "__program__"}
    try:
        exec(compile(tree, "<program>", "exec"), ns)
    except BaseException as e:
        raise Reject("load_error", short(e))
    fn = ns.get(entry)
    if not callable(fn):
        raise Reject("no_entry_point", "%s is not a function after the program ran" % entry)
    max_out = limit(limits, "max_output_bytes", 1024)
    outputs, matches = [], []
    for i, args in enumerate(args_list):
        first = call(fn, args)
        second = call(fn, args)
        check_plain(first)
        text = repr(first)
        if len(text) > max_out:
            raise Reject("huge_output", "an output's repr is %d bytes (at most %d)" % (len(text), max_out))
        if repr(second) != text or not strict_eq(first, second):
            raise Reject("nondeterministic", "two calls on the same input gave different values")
        try:
            back = ast.literal_eval(text)
        except Exception:
            back = None
        if not strict_eq(back, first):
            raise Reject("unplain_output", "the output %s does not read back as a literal" % text[:80])
        outputs.append(text)
        if type(expected) is list and i < len(expected):
            want = read_literal(expected[i], "bad_answer", 1 << 20)
            matches.append(strict_eq(first, want))
    report["outputs"] = outputs
    if type(expected) is list:
        report["matches"] = matches
    return report


def compare(req):
    pair = req.get("compare")
    if type(pair) is not list or len(pair) != 2:
        raise Reject("bad_answer", "compare needs [answer, gold]")
    gold = read_literal(pair[1], "bad_gold", 1 << 20)
    answer = read_literal(pair[0], "bad_answer", 1 << 16)
    return {"ok": True, "equal": strict_eq(answer, gold)}


def main():
    out = sys.stdout
    sys.stdout = io.StringIO()  # the program's prints
    sys.stderr = io.StringIO()
    sys.setrecursionlimit(2000)
    try:
        req = json.loads(sys.stdin.read())
        if type(req) is not dict:
            raise Reject("bad_request", "the request must be an object")
        report = compare(req) if req.get("mode") == "compare" else run(req)
    except Reject as e:
        report = {"ok": False, "reason": e.reason, "message": e.message}
    except BaseException as e:
        report = {"ok": False, "reason": "runtime_error", "message": short(e)}
    report["hash_seed"] = os.environ.get("PYTHONHASHSEED", "")
    out.write("\n" + MARK + json.dumps(report) + "\n")
    out.flush()
    os._exit(0)


main()
