# The self-play program runner (verifiers/selfplay/program_runner.h). Trusted code, run inside
# the sandbox as a fresh interpreter: it reads one JSON request on stdin and writes one JSON
# object, on a line that starts with "R1SP ", as its last output.
#
# The untrusted program never runs in this process. For each input a child is forked; the child
# points its stdout and stderr at /dev/null, runs the program with restricted builtins, calls
# the entry twice on fresh copies of the arguments, and sends back the repr of the value through
# a pipe. This process (the parent) only ever parses what comes back, as a literal, with
# ast.literal_eval. So whatever the program does (walk frames, reach os through a module, print
# a fake report, patch functions, kill itself), it can only change the value it reports for its
# own input, never the report, never another input's value, and it never sees expected outputs:
# comparisons are a separate request ("compare"), in a process that runs no program at all.
# Every input runs in its own child, so no state carries from one input to the next.
#
# Requests:
#   {"mode": "run", "program", "entry", "inputs": [arguments as Python source, e.g. "'ab', 3"],
#    "limits": {...}, "refuse_dead_code": false, "input_cpu_s": seconds}
#       Static checks on the syntax tree (nothing runs before they pass): it parses; it defines
#       the entry at top level; it imports only pure modules; no eval/exec/open/getattr/id/hash/
#       ..., no name (but a bare "_") or attribute starting with "_", no frame or code
#       attributes, no attrgetter/methodcaller; sizes; with refuse_dead_code (proposals), no
#       name assigned and never read and no argument never read. Then each input in its own child: both
#       calls must give the same value, a plain literal (None, bool, int, float, str, bytes,
#       complex, and lists, tuples, dicts, sets of them) whose repr reads back as an equal value.
#       Each input may use input_cpu_s seconds of CPU (both calls; "timeout" past it): a limit
#       the machine's load does not move, so a program near it is not judged by a coin.
#       Report: {"ok", "program_key", "shape_key", "key", "ast_nodes", "inputs" (normalised),
#       "outputs"}, and in any run report once the inputs are read "hash_ordered" (per input,
#       whether it holds a set of salted values: HASH_ORDERED below).
#   {"mode": "probe", "program", "entry", "inputs", "limits", "probes": N}
#       The static checks, then the program on N probe inputs of the kinds of its inputs' (the
#       inputs themselves do not run), each in its own child with a short time limit: what it
#       returns or how it fails on them is its behaviour_key (behaviour_key() below).
#       Report: {"ok", "behaviour_key", "probe_values" (probes that gave a value),
#       "probe_timeouts" (probes past their CPU limit, at most 3: then the rest are skipped),
#       "probe_stateful" (probes whose two calls gave different values: state kept between
#       calls, `def f(xs, acc=[])`)};
#       not ok (probe_starved) when a probe waited past its wall-clock backstop.
#   {"mode": "fixed", "program", "entry", "outputs": [repr, ...], "limits", "call_s"}
#       The static checks, then each output passed back as the arguments, as an abduction answer
#       copied from its prompt is read ("(2, 5)" as one tuple), and, for a tuple or list, its
#       items as the arguments ("2, 5", the copy without its brackets); each call in its own
#       child with call_s seconds of CPU, at least what the judge's run allows: whether the
#       program returns the output unchanged (strictly equal). Such a pair's abduction task is
#       answered by copying its output. A call that fails or runs past call_s is no fixed point
#       (the judge's run would fail too). Report: {"ok", "fixed": [bool, ...]}; not ok
#       (probe_starved) when a call waited past its wall-clock backstop. (The value compared with
#       is the program's own input here, so it learns nothing it was not handed.)
#   {"mode": "keys", "programs": [source, ...], "entry", "limits"}
#       The static checks only (nothing runs): each program's program_key, "" for one that fails
#       them. Report: {"ok", "program_keys": [...]}. For programs shown to the policy that never
#       ran here (a generated propose task's references), so a copy of one is known.
#   {"mode": "compare", "pairs": [[answer, gold], ...]}
#       Literals compared strictly (same types all the way down; 1 is not 1.0 or True; -0.0 is
#       not 0.0). Report: {"ok", "equal": [bool, ...]}; not ok (bad_answer) when an answer is not
#       a literal, bad_gold when a gold value is not.
# Reasons (stable, machine-friendly): syntax_error, program_too_long, program_too_big,
# banned_import, banned_name, private_name, no_entry_point, dead_code, bad_input, input_too_long,
# too_many_inputs, load_error, runtime_error, unplain_output, huge_output, nondeterministic,
# crashed, bad_answer, bad_gold, bad_request.
import ast
import builtins
import copy
import hashlib
import json
import string
import math
import os
import select
import signal
import sys
import time
import types

MARK = "R1SP "

# Pure modules a program may import. Everything else (random, time, os, sys, subprocess,
# threading, socket, ...) is refused: it is a source of nondeterminism or a way out.
ALLOWED_MODULES = frozenset([
    "math", "cmath", "itertools", "functools", "collections", "string", "re", "heapq", "bisect",
    "operator", "fractions", "statistics", "copy", "array",
])

# Builtins that reach outside the value world (files, interpreter state, reflection) or that
# differ between runs (id, hash of str). Refused by name and absent from the program's builtins.
BANNED_NAMES = frozenset([
    "eval", "exec", "compile", "open", "input", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "id", "hash", "breakpoint", "help", "exit", "quit", "memoryview", "dir",
    "attrgetter", "methodcaller", "Formatter", "update_wrapper", "wraps",
])

# Types a class pattern (case int(x):) may name: their positional pattern is the value itself.
# Any other class in a pattern could carry a __match_args__ that reads arbitrary attributes.
PATTERN_TYPES = frozenset(["bool", "bytearray", "bytes", "dict", "float", "frozenset", "int",
                           "list", "set", "str", "tuple", "complex"])

# Attributes that lead from a value to interpreter internals without an underscore. str.format
# looks up the attributes its fields name at run time ('{0.__traceback__.tb_frame.f_back}'),
# where the static checks never see them: from an exception it reads every runner frame's
# locals, so a program could tell a validation run from a judging run (f-strings are checked
# as code). NormalDist.samples draws from an unseeded generator: a coin the determinism check
# catches only by chance when it is biased.
BANNED_ATTRIBUTES = frozenset([
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame",
    "ag_code", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "tb_frame",
    "tb_next", "co_consts", "co_code", "co_names", "with_traceback", "attrgetter", "methodcaller",
    "format", "format_map", "mro", "Formatter", "get_field", "get_value", "update_wrapper",
    "wraps", "samples",
])


# Frames a program may use below the child's own (as the runner's limit of 2000 left it).
RECURSION_HEADROOM = 1990


class Reject(Exception):
    def __init__(self, reason, message):
        Exception.__init__(self, message)
        self.reason = reason
        self.message = message


def clean(text, n=300):
    # Text for the report: cut, and valid UTF-8 whatever the program raised (lone surrogates
    # would make the report unreadable).
    s = text if len(text) <= n else text[:n] + "..."
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def short(e):
    try:
        s = "%s: %s" % (type(e).__name__, e)
    except BaseException:
        s = type(e).__name__
    return clean(s, 200)


def limit(limits, name, default):
    v = limits.get(name, default)
    return v if type(v) is int and v > 0 else default


def bound_names(tree):
    # Names the program itself binds (defs, arguments, assignment targets, imports): renaming
    # these consistently does not change what it computes.
    names = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.arg):
            names.append(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, ast.alias):
            names.append(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.append(node.name)
    return names


class Canonical(ast.NodeTransformer):
    # The program with its own names replaced by v0, v1, ... in order of first binding, and
    # docstrings dropped: the normal form that duplicates share.
    def __init__(self, names):
        self.map = {}
        for n in names:
            if n not in self.map:
                self.map[n] = "v%d" % len(self.map)

    def rename(self, n):
        return self.map.get(n, n)

    def visit_Name(self, node):
        node.id = self.rename(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.rename(node.arg)
        node.annotation = None
        return node

    def visit_alias(self, node):
        node.asname = self.rename(node.asname or node.name.split(".")[0])
        return node

    def visit_FunctionDef(self, node):
        node.name = self.rename(node.name)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str) and len(body) > 1:
            node.body = body[1:]
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_keyword(self, node):
        if node.arg:
            node.arg = self.rename(node.arg)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node):
        node.name = self.rename(node.name)
        self.generic_visit(node)
        return node

    def visit_ExceptHandler(self, node):
        if node.name:
            node.name = self.rename(node.name)
        self.generic_visit(node)
        return node


class Shape(Canonical):
    # The normal form with every literal replaced by its type's name (a negative number
    # included): programs that differ only in constants, `x > 10` and `x > 1`, share it.
    def visit_Constant(self, node):
        return ast.copy_location(ast.Constant(value=type(node.value).__name__), node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
            return self.visit_Constant(node.operand)
        self.generic_visit(node)
        return node


def digest(tree):
    norm = ast.dump(tree, annotate_fields=False)
    return hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def check_dead_code(tree):
    # For proposals: a name assigned and never read, or an argument never read, pads an old
    # function with code that changes nothing, a new text and shape for no new task (a
    # proposer found it: docs/results/selfplay/). Loop and comprehension targets may go unread
    # (`[1 for x in xs]` counts); `_` is the name for a value on purpose unused.
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Load)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
            targets = [node.target]
        else:
            targets = []
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id != "_" and n.id not in loaded:
                    raise Reject("dead_code", "%s is assigned and never read" % n.id)
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            a = node.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs:
                if arg.arg != "_" and arg.arg not in loaded:
                    raise Reject("dead_code", "the argument %s is never read" % arg.arg)


def plain_format_literal(value):
    # Whether `value` is a str literal whose format fields only name arguments ("{}", "{0}",
    # "{x:>5}", "{:{}}"): no field reaches an attribute or an item ("{0.__class__}", "{0[k]}"),
    # the run-time lookups that made str.format a way to the runner's frames.
    if not (isinstance(value, ast.Constant) and type(value.value) is str):
        return False

    def fields_plain(text, depth):
        try:
            parts = list(string.Formatter().parse(text))
        except ValueError:
            return False
        for _, field, spec, _ in parts:
            if field is not None and ("." in field or "[" in field):
                return False
            if spec and "{" in spec and (depth > 2 or not fields_plain(spec, depth + 1)):
                return False
        return True

    return fields_plain(value.value, 0)


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
    own = set(bound_names(tree))  # a program's own `dir = ...` is not the builtin
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
                if alias.name == "*" or alias.name.startswith("_") or alias.name in BANNED_NAMES:
                    raise Reject("banned_import", "from %s import %s" % (root, alias.name))
        elif isinstance(node, ast.Name):
            if node.id in BANNED_NAMES and node.id not in own:
                raise Reject("banned_name", "use of %s" % node.id)
            if node.id.startswith("_") and node.id != "_":  # a bare _ is a throwaway name
                raise Reject("private_name", "use of %s" % node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise Reject("private_name", "attribute %s" % node.attr)
            if node.attr == "format" and plain_format_literal(node.value):
                pass  # "{}-{}".format(a, b): fields that only take arguments
            elif node.attr in BANNED_ATTRIBUTES or node.attr in BANNED_NAMES:
                raise Reject("banned_name", "attribute %s" % node.attr)
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
        elif isinstance(node, ast.MatchClass):
            if not (isinstance(node.cls, ast.Name) and node.cls.id in PATTERN_TYPES
                    and node.cls.id not in own and not node.kwd_attrs):
                raise Reject("banned_name", "a class pattern other than a builtin type's")
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name and \
                node.name.startswith("_"):
            raise Reject("private_name", "pattern name %s" % node.name)
    if not any(isinstance(n, ast.FunctionDef) and n.name == entry for n in tree.body):
        raise Reject("no_entry_point", "the program does not define %s at top level" % entry)
    names = bound_names(tree)
    return (tree, nodes, digest(Canonical(names).visit(ast.parse(src))),
            digest(Shape(names).visit(ast.parse(src))))


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


def same_float(a, b):
    if a != a or b != b:
        return a != a and b != b
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def strict_eq(a, b, depth=0):
    # Equal values of the same types all the way down: 1 is not 1.0 or True, (1,) is not [1],
    # -0.0 is not 0.0.
    ta = type(a)
    if ta is not type(b) or depth > 40:
        return False
    if ta is list or ta is tuple:
        return len(a) == len(b) and all(strict_eq(x, y, depth + 1) for x, y in zip(a, b))
    if ta is dict:
        if len(a) != len(b):
            return False
        bk = list(b.keys())
        for k, v in a.items():
            match = [x for x in bk if strict_eq(x, k, depth + 1)]
            if len(match) != 1 or not strict_eq(v, b[match[0]], depth + 1):
                return False
        return True
    if ta is set or ta is frozenset:
        return len(a) == len(b) and all(any(strict_eq(x, y, depth + 1) for y in b) for x in a)
    if ta is float:
        return same_float(a, b)
    if ta is complex:
        return same_float(a.real, b.real) and same_float(a.imag, b.imag)
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
    try:
        check_plain(v)
    except Reject as e:
        raise Reject(reason, e.message)
    return v


# Per input of a "run" request, whether iterating it can follow the interpreter's hash seed:
# it holds a set or frozenset of two or more values one of which is salted (str, bytes, or
# tuples and frozensets of them; ints, floats, bools and None hash alike under any seed). Two interpreters with other seeds that disagree on
# such an input may owe it to the input, not the program. In every "run" report, failed ones
# too.
HASH_ORDERED = []


def salted(v, depth=0):
    t = type(v)
    if t is str or t is bytes:
        return True
    if (t is tuple or t is frozenset) and depth < 40:
        return any(salted(e, depth + 1) for e in v)
    return False


def hash_ordered(x, depth=0):
    t = type(x)
    if depth > 40:
        return False
    if (t is set or t is frozenset) and len(x) > 1 and any(salted(e) for e in x):
        return True
    if t in (list, tuple, set, frozenset):
        return any(hash_ordered(e, depth + 1) for e in x)
    if t is dict:
        return any(hash_ordered(k, depth + 1) or hash_ordered(v, depth + 1)
                   for k, v in x.items())
    return False


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


# ---------------------------------------------------------------- the child (untrusted code)

def module_view(module, depth=0):
    # What a program sees of an allowed module: its public names, its own submodules
    # (collections.abc), but not the modules it imported (fractions.sys, statistics.random).
    ns = types.SimpleNamespace()
    for k, v in vars(module).items():
        if k.startswith("_"):
            continue
        if isinstance(v, types.ModuleType):
            if depth < 2 and v.__name__.startswith(module.__name__ + "."):
                setattr(ns, k, module_view(v, depth + 1))
            continue
        setattr(ns, k, v)
    return ns


def safe_type(x):
    # type(x) for values; never the metaclass itself, whose three-argument form makes classes
    # with any dunder (a way around the static checks).
    t = type(x)
    if isinstance(x, type):
        raise TypeError("type() of a class is not available here")
    return t


def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0 or name.split(".")[0] not in ALLOWED_MODULES:
        raise ImportError("module %s is not allowed" % name)
    builtins.__import__(name)
    return module_view(sys.modules[name.split(".")[0]] if not fromlist else sys.modules[name])


def program_builtins():
    b = {k: v for k, v in builtins.__dict__.items()
         if k not in BANNED_NAMES and not k.startswith("_")}
    b["__import__"] = guarded_import
    b["type"] = safe_type
    b["__build_class__"] = builtins.__build_class__
    b["__name__"] = "builtins"
    return b


def child(tree, entry, args, max_out, w, cpu_limit=None):
    # Runs in the forked child; never returns. Nothing here is trusted by the parent.
    # cpu_limit (seconds of CPU): SIGPROF ends the child past it (a program cannot catch it:
    # no module it may import handles signals).
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(0)
    except OSError:
        pass
    # Shift the heap by a random amount, so output that shows addresses (repr(object()),
    # str(f)) differs between the validation runs instead of repeating in its low digits.
    # Every small-object size class gets a random number of extra blocks.
    noise = os.urandom(64)
    ballast = [bytes(8 * k + 1) for k in range(64) for _ in range(noise[k] % 16)]
    # The same recursion headroom whichever mode called: counted from here, not from the
    # interpreter's first frame (a program could otherwise tell the fixed-point check, one frame
    # shallower, from validation and judging by how deep it can recurse).
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    sys.setrecursionlimit(depth + RECURSION_HEADROOM)
    if cpu_limit:
        signal.setitimer(signal.ITIMER_PROF, cpu_limit)
    try:
        ns = {"__builtins__": program_builtins(), "__name__": "__program__"}
        try:
            exec(compile(tree, "<program>", "exec"), ns)
        except BaseException as e:
            raise Reject("load_error", short(e))
        fn = ns.get(entry)
        if not callable(fn):
            raise Reject("no_entry_point", "%s is not a function after the program ran" % entry)

        def call():
            try:
                return fn(*copy.deepcopy(args))
            except BaseException as e:  # a program may raise SystemExit or its own BaseException
                raise Reject("runtime_error", short(e))

        first = call()
        second = call()
        check_plain(first)
        text = repr(first)
        if len(text) > max_out:
            raise Reject("huge_output", "the output's repr is %d bytes (at most %d)"
                         % (len(text), max_out))
        if type(second) is not type(first) or repr(second) != text:
            raise Reject("nondeterministic", "two calls on the same input gave different values")
        msg = {"repr": text}
    except Reject as e:
        msg = {"reason": e.reason, "message": e.message}
    except BaseException as e:
        msg = {"reason": "runtime_error", "message": short(e)}
    try:
        data = json.dumps(msg).encode()
    except BaseException:
        data = b'{"reason": "runtime_error", "message": "unreportable error"}'
    try:
        while data:
            data = data[os.write(w, data):]
    finally:
        os._exit(0)


# ---------------------------------------------------------------- the parent (trusted)

def not_dumpable():
    # PR_SET_DUMPABLE 0: a child that escapes the checks still cannot open /proc/<parent>/fd/1
    # or /proc/<parent>/mem (execve of this interpreter had set it back to 1).
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except BaseException:
        pass


def run_one(tree, entry, args, max_out, timeout=None, cpu_limit=None):
    # timeout (seconds of wall clock; None: the sandbox's own limit ends a program that never
    # returns): a child still running after it is killed, and the input fails with reason
    # "wall_timeout" (a starved machine as much as the program); the input fails with reason
    # "timeout" when the child used more than cpu_limit seconds of CPU, a limit the machine's
    # load does not move.
    r, w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        child(tree, entry, args, max_out, w, cpu_limit)
    os.close(w)
    chunks, size = [], 0
    cap = 4 * max_out + 4096
    deadline = None if timeout is None else time.monotonic() + timeout
    late = False
    status = 0
    try:
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([r], [], [], left)[0]:
                    late = True
                    break
            b = os.read(r, 65536)
            if not b:
                break
            size += len(b)
            if size > cap:
                break
            chunks.append(b)
    finally:  # whatever happened here, the child does not outlive its input
        os.close(r)
        try:
            os.kill(pid, 9)
        except OSError:
            pass
        status = os.waitpid(pid, 0)[1]
    if late:
        raise Reject("wall_timeout", "the program ran past %.2f s of wall clock" % timeout)
    if size > cap:
        raise Reject("huge_output", "the program sent more than %d bytes" % cap)
    try:
        msg = json.loads(b"".join(chunks).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        msg = None
    if type(msg) is not dict:
        if cpu_limit and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGPROF:
            raise Reject("timeout", "the program used more than %.2f s of CPU" % cpu_limit)
        raise Reject("crashed", "the program's process ended without a result (memory, signal)")
    if "repr" not in msg:
        reason = msg.get("reason")
        known = ("load_error", "no_entry_point", "runtime_error", "huge_output",
                 "nondeterministic", "unplain_output")
        raise Reject(reason if reason in known else "runtime_error",
                     clean(str(msg.get("message", ""))))
    text = msg["repr"]
    if type(text) is not str or len(text) > max_out:
        raise Reject("huge_output", "the output is longer than %d bytes" % max_out)
    # The child's word is not trusted: the value must read back as a plain literal here.
    value = read_literal(text, "unplain_output", max_out)
    out = repr(value)
    if not strict_eq(read_literal(out, "unplain_output", 4 * max_out), value):
        raise Reject("unplain_output", "the output %s does not read back as itself" % clean(out, 80))
    return out


# ---------------------------------------------------------------- behaviour on probe inputs

# Values probes draw from: small numbers, where programs' thresholds and loops live, and short
# strings over a few letters, so that repeats and cases occur. A lone int argument meets
# SCALAR_INTS in order, every threshold from -2 to 12 told apart.
SCALAR_INTS = [0, 1, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -2, 100]
PROBE_INTS = list(range(-5, 21)) + [25, 32, 50, 64, 99]
PROBE_FLOATS = [0.0, 0.5, -1.5, 2.0, 2.25, 3.0, -4.0, 7.5, 10.0]
PROBE_LETTERS = "aabbcdeAB xyz019,"
# Probes are limited in CPU time, so that a key does not depend on how loaded the machine is
# (a wall-clock limit would let a busy machine give the same program another key); a
# wall-clock limit stays as a backstop. A probe is a few elements: 0.1 s of CPU is a loop.
PROBE_CPU_S = 0.1      # one probe
PROBE_TIMEOUTS = 3     # probes that may time out; the rest are skipped (counted, not timed:
                       # a budget of time would end at a different probe on a busy machine)
PROBE_WALL_S = 5.0     # one probe, wall clock: a backstop for a starved machine only (past it,
                       # the probe run reports no key)


def kind_of(v, depth=0):
    # The structure of an argument, as probes of the same kind need it: "int", ["list", "int"],
    # ["tuple", [...]], ["dict", k, v]; None for an empty container's elements (unknown yet).
    # A bool is an int (it is one in Python, and most programs of one work on the other).
    t = type(v)
    if depth > 4 or v is None:
        return "None"
    if t is bool:
        return "int"
    if t in (int, float, str, bytes, complex):
        return t.__name__
    if t is tuple:
        return ["tuple", [kind_of(x, depth + 1) for x in v]]
    if t in (list, set, frozenset):
        return [t.__name__, kind_of(next(iter(v)), depth + 1) if v else None]
    if t is dict:
        if not v:
            return ["dict", None, None]
        k, x = next(iter(v.items()))
        return ["dict", kind_of(k, depth + 1), kind_of(x, depth + 1)]
    return "None"


def merge_kinds(a, b):
    # The kind of an argument over all inputs: an element kind left unknown by an empty
    # container (or a None) is taken from another input; ints where nothing says otherwise.
    if a is None or a == "None":
        return b
    if b is None or type(a) is str or type(b) is str or a[0] != b[0]:
        return a
    if a[0] == "tuple":
        if len(a[1]) != len(b[1]):
            return a
        return ["tuple", [merge_kinds(x, y) for x, y in zip(a[1], b[1])]]
    return [a[0]] + [merge_kinds(x, y) for x, y in zip(a[1:], b[1:])]


def settle(kind):
    if kind is None:
        return "int"
    if type(kind) is str:
        return kind
    if kind[0] == "tuple":
        return ["tuple", [settle(k) for k in kind[1]]]
    return [kind[0]] + [settle(k) for k in kind[1:]]


def draw(kind, rng, i=None):
    # One value of `kind`. i (top-level arguments only): the probe's index; the first probes
    # are the edge cases (empty, one element; a lone int argument meets SCALAR_INTS in order),
    # so every program called the same way meets them.
    if type(kind) is str:
        if kind == "int":
            return SCALAR_INTS[i % len(SCALAR_INTS)] if i is not None else rng.choice(PROBE_INTS)
        if kind == "float":
            return rng.choice(PROBE_FLOATS)
        if kind == "complex":
            return complex(rng.choice(PROBE_INTS[:12]), rng.choice(PROBE_INTS[:12]))
        if kind in ("str", "bytes"):
            n = i if i is not None and i < 2 else rng.randint(0, 9)
            s = "".join(rng.choice(PROBE_LETTERS) for _ in range(n))
            return s if kind == "str" else s.encode()
        return None
    if kind[0] == "tuple":
        return tuple(draw(k, rng) for k in kind[1])
    n = i if i is not None and i < 2 else rng.randint(0, 8)
    if kind[0] == "dict":
        return {draw(kind[1], rng): draw(kind[2], rng) for _ in range(n)}
    items = [draw(kind[1], rng) for _ in range(n)]
    if kind[0] == "set":
        return set(items)
    if kind[0] == "frozenset":
        return frozenset(items)
    return items


def canonical(v):
    # An output's text for the key, with the order of sets and dicts left out: {1, 8} and
    # {8, 1} are one value. Types stay (1 is not True or 1.0).
    t = type(v)
    if t in (set, frozenset):
        return t.__name__ + "{" + ",".join(sorted(canonical(x) for x in v)) + "}"
    if t is dict:
        return "dict{" + ",".join(sorted(canonical(k) + ":" + canonical(x)
                                         for k, x in v.items())) + "}"
    if t in (list, tuple):
        return t.__name__ + "[" + ",".join(canonical(x) for x in v) + "]"
    return t.__name__ + ":" + repr(v)


def argument_kinds(args_list):
    # The kind of each argument, merged over all the inputs that pass as many arguments as the
    # first.
    kinds = None
    for args in args_list:
        k = [kind_of(a) for a in args]
        if kinds is None:
            kinds = k
        elif len(k) == len(kinds):
            kinds = [merge_kinds(x, y) for x, y in zip(kinds, k)]
    return [settle(k) for k in kinds]


def behaviour_key(tree, entry, args_list, count, max_out):
    # What the program computes, told apart from how it is written: its outputs (or the kind of
    # its failure) on `count` probe inputs of the kinds of its arguments. The probes depend only
    # on those kinds, so every program called like this one meets the same probes, and two
    # programs that agree on all of them (a function padded with code that changes nothing,
    # `return xs if ys else xs`) share the key. "" when no probe gave a value: programs that
    # fail on every probe (`d['k']` where probes' dicts have no 'k') are not told apart by it.
    # Returns (key, probes that gave a value, probes that ran past their CPU limit: at most
    # PROBE_TIMEOUTS, the rest are skipped). A probe past its wall-clock backstop ends the probe
    # run (probe_starved): a starved machine gives no key rather than another one.
    import random
    kinds = argument_kinds(args_list)
    text = json.dumps(kinds)
    rng = random.Random(hashlib.sha256(text.encode()).hexdigest())
    seen, values, timeouts, stateful = [], 0, 0, 0
    for i in range(count):
        # One draw per argument; a lone int takes SCALAR_INTS in order, several are drawn.
        probe = tuple(draw(k, rng, i if len(kinds) == 1 or type(k) is not str else None)
                      for k in kinds)  # drawn even when skipped: the same stream
        if timeouts >= PROBE_TIMEOUTS:
            seen.append("!skipped")
            continue
        try:
            seen.append(canonical(ast.literal_eval(run_one(tree, entry, probe, max_out,
                                                           PROBE_WALL_S, PROBE_CPU_S))))
            values += 1
        except Reject as e:  # how it failed: the reason, and a runtime error's exception type
            if e.reason == "wall_timeout":  # the machine, not the program: nothing is known
                raise Reject("probe_starved", "probe %d waited past its wall-clock backstop" % i)
            timeouts += e.reason == "timeout"
            stateful += e.reason == "nondeterministic"
            seen.append("!" + e.reason + (":" + e.message.split(":")[0][:40]
                                          if e.reason == "runtime_error" else ""))
    key = "" if values == 0 else hashlib.sha256((text + "\n" + "\n".join(seen)).encode(
        "utf-8", "surrogatepass")).hexdigest()[:16]
    return key, values, timeouts, stateful


def probe(req):
    # {"mode": "probe", "program", "entry", "inputs", "limits", "probes"}: the static checks,
    # then behaviour_key() on the kinds of the inputs; the inputs themselves are not run (the
    # validation runs did). Report: {"ok", "behaviour_key", "probe_values", "probe_timeouts"}.
    limits = req.get("limits") if type(req.get("limits")) is dict else {}
    entry = req.get("entry") or "f"
    count = req.get("probes")
    inputs = req.get("inputs") or []
    if type(count) is not int or not 0 < count <= 64 or type(inputs) is not list or not inputs:
        raise Reject("bad_request", "probe needs 1-64 \"probes\" and the inputs")
    tree = check_program(req.get("program"), entry, limits)[0]
    args_list = [read_args(t, limit(limits, "max_input_bytes", 512)) for t in inputs]
    not_dumpable()
    key, values, timeouts, stateful = behaviour_key(tree, entry, args_list, count,
                                                    limit(limits, "max_output_bytes", 1024))
    return {"ok": True, "behaviour_key": key, "probe_values": values, "probe_timeouts": timeouts,
            "probe_stateful": stateful}


def run(req):
    limits = req.get("limits") if type(req.get("limits")) is dict else {}
    entry = req.get("entry") or "f"
    inputs = req.get("inputs") or []
    max_inputs = limit(limits, "max_inputs", 16)
    if type(inputs) is not list or len(inputs) > max_inputs:
        raise Reject("too_many_inputs", "at most %d inputs" % max_inputs)
    tree, nodes, program_key, shape_key = check_program(req.get("program"), entry, limits)
    args_list = [read_args(t, limit(limits, "max_input_bytes", 512)) for t in inputs]
    HASH_ORDERED[:] = [hash_ordered(a) for a in args_list]
    # The inputs' normal form: the repr of what they read as.
    norm_inputs = [repr(a)[1:-1].rstrip(",") if a else "" for a in args_list]
    key = hashlib.sha256((program_key + "\n" + "\n".join(norm_inputs)).encode(
        "utf-8", "surrogatepass")).hexdigest()[:16]
    max_out = limit(limits, "max_output_bytes", 1024)
    cpu = req.get("input_cpu_s")
    if type(cpu) not in (int, float) or not 0 < cpu <= 60:
        raise Reject("bad_request", "run needs \"input_cpu_s\" in (0, 60]")
    not_dumpable()
    outputs = []
    for args in args_list:
        outputs.append(run_one(tree, entry, args, max_out, None, cpu))
    if req.get("refuse_dead_code"):  # last: a program that also fails says how it fails
        check_dead_code(tree)
    return {"ok": True, "program_key": program_key, "shape_key": shape_key, "key": key,
            "ast_nodes": nodes,
            "inputs": norm_inputs, "outputs": outputs}


def fixed(req):
    # {"mode": "fixed", "program", "entry", "outputs", "limits", "call_s"}: see the header.
    limits = req.get("limits") if type(req.get("limits")) is dict else {}
    entry = req.get("entry") or "f"
    outputs = req.get("outputs")
    call_s = req.get("call_s")
    max_inputs = limit(limits, "max_inputs", 16)
    if type(outputs) is not list or not outputs or len(outputs) > max_inputs:
        raise Reject("bad_request", "fixed needs 1-%d \"outputs\"" % max_inputs)
    if type(call_s) not in (int, float) or not 0 < call_s <= 60:
        raise Reject("bad_request", "fixed needs \"call_s\" in (0, 60]")
    tree = check_program(req.get("program"), entry, limits)[0]
    max_in = limit(limits, "max_input_bytes", 512)
    max_out = limit(limits, "max_output_bytes", 1024)
    not_dumpable()
    flags = []
    for text in outputs:
        try:
            want = read_literal(text, "bad_gold", 1 << 20)
        except Reject:
            flags.append(False)
            continue
        tries = [text]
        if type(want) in (tuple, list) and want:  # "2, 5" for (2, 5) or [2, 5]
            tries.append(repr(tuple(want))[1:-1].rstrip(","))
        keeps = False
        for args_text in tries:
            try:
                args = read_args(args_text, max_in)
                got = run_one(tree, entry, args, max_out, 4 * call_s + 5, call_s)
                keeps = strict_eq(read_literal(got, "runtime_error", 4 * max_out + 4096), want)
            except Reject as e:
                if e.reason == "wall_timeout":  # the machine, not the program: nothing is known
                    raise Reject("probe_starved", "a call waited past its wall-clock backstop")
            if keeps:
                break
        flags.append(keeps)
    return {"ok": True, "fixed": flags}


def keys(req):
    limits = req.get("limits") if type(req.get("limits")) is dict else {}
    entry = req.get("entry") or "f"
    programs = req.get("programs")
    if type(programs) is not list or len(programs) > 64:
        raise Reject("bad_request", "keys needs \"programs\": at most 64 sources")
    out = []
    for src in programs:
        try:
            out.append(check_program(src, entry, limits)[2])
        except Reject:
            out.append("")
    return {"ok": True, "program_keys": out}


def compare(req):
    pairs = req.get("pairs")
    if type(pairs) is not list or not pairs:
        raise Reject("bad_request", "compare needs \"pairs\": [[answer, gold], ...]")
    equal = []
    for p in pairs:
        if type(p) is not list or len(p) != 2:
            raise Reject("bad_request", "each pair is [answer, gold]")
        gold = read_literal(p[1], "bad_gold", 1 << 20)
        answer = read_literal(p[0], "bad_answer", 1 << 16)
        equal.append(strict_eq(answer, gold))
    return {"ok": True, "equal": equal}


def main():
    out = sys.stdout
    sys.setrecursionlimit(2000)
    try:
        req = json.loads(sys.stdin.read())
        if type(req) is not dict:
            raise Reject("bad_request", "the request must be an object")
        mode = req.get("mode")
        report = (compare(req) if mode == "compare" else probe(req) if mode == "probe"
                  else keys(req) if mode == "keys" else fixed(req) if mode == "fixed"
                  else run(req))
    except Reject as e:
        report = {"ok": False, "reason": e.reason, "message": clean(e.message)}
    except BaseException as e:
        report = {"ok": False, "reason": "runtime_error", "message": short(e)}
    report["hash_seed"] = os.environ.get("PYTHONHASHSEED", "")
    if HASH_ORDERED:
        report["hash_ordered"] = HASH_ORDERED
    out.write("\n" + MARK + json.dumps(report) + "\n")
    out.flush()
    os._exit(0)


main()
