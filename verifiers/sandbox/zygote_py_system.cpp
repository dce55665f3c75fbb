// Zygote script, part 1: imports, system calls through ctypes (namespaces, mounts, prctl,
// capabilities, Landlock, seccomp), message framing and the plain-value encoding that crosses the
// sandbox boundary.
#include "verifiers/sandbox/zygote_script.h"

namespace r1 {

const char* zygote_py_system() {
  return R"PYTHON(
# r1.cpp sandbox zygote. verifiers/sandbox/zygote.cpp starts this as `python3 -I -c <script>`
# inside the zygote-level namespaces, with fd 3 a SOCK_SEQPACKET control socket. Python starts
# once here; every run is one fork, the harness H, which becomes pid 1 of a fresh pid namespace,
# isolates itself and runs the untrusted code. The zygote supervises the runs: it enforces the
# wall-clock timeouts, reaps H and writes each run's status. In "check" and "cases" modes H forks
# U, which runs the untrusted code; H stays trusted and talks to U over pipes, so the tests, the
# expected values and the nonce never share a process with untrusted code.
import builtins
import ctypes
import fcntl
import gc
import heapq
import io
import json
import os
import random
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import time
import traceback
import types

# Modules that test code and solutions commonly import: importing them once here makes every
# forked run find them already loaded.
for _name in ("math", "re", "typing", "collections", "itertools", "functools", "heapq",
              "string", "hashlib", "bisect", "copy", "fractions", "decimal", "statistics",
              "operator", "datetime", "array", "dataclasses", "enum", "numbers", "textwrap",
              "unicodedata", "cmath", "abc", "contextlib", "queue"):
    try:
        __import__(_name)
    except Exception:
        pass

libc = ctypes.CDLL(None, use_errno=True)
# Resolved once here rather than by dlsym in every forked run.
_libc_unshare, _libc_setns, _libc_mount, _libc_prctl = libc.unshare, libc.setns, libc.mount, libc.prctl
_libc_capset, _libc_syscall = libc.capset, libc.syscall

CTRL_FD = 3
# File descriptors of H: 0 stdin, 1 stdout, 2 stderr, 3 result, 4 nonce, 5 payload.
FD_RESULT, FD_NONCE, FD_PAYLOAD = 3, 4, 5
CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP = 1, 4, 22
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 36, 38, 47
SECCOMP_MODE_FILTER = 2
MAX_MSG = 64 << 20
SETUP_FAILED_EXIT = 125


# ---------------------------------------------------------------- system calls (ctypes)

def _oserror(what):
    e = ctypes.get_errno()
    return OSError(e, "%s: %s" % (what, os.strerror(e)))


def _c(s):
    return None if s is None else s.encode()


def sys_unshare(flags):
    if _libc_unshare(ctypes.c_int(flags)) != 0:
        raise _oserror("unshare(0x%x)" % flags)


def sys_setns(fd, nstype):
    if _libc_setns(ctypes.c_int(fd), ctypes.c_int(nstype)) != 0:
        raise _oserror("setns")


def sys_mount(source, target, fstype, flags, data=None):
    if _libc_mount(_c(source), _c(target), _c(fstype), ctypes.c_ulong(flags), _c(data)) != 0:
        raise _oserror("mount %s on %s" % (fstype or source, target))


def sys_prctl(option, arg2=0, arg3=0):
    rc = _libc_prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                    ctypes.c_ulong(0), ctypes.c_ulong(0))
    if rc != 0:
        raise _oserror("prctl(%d)" % option)


def drop_capabilities():
    # capset with all sets empty; used when the run uid stays 0 inside a single-uid namespace.
    header = ctypes.create_string_buffer(struct.pack("<Ii", 0x20080522, 0), 8)
    data = ctypes.create_string_buffer(24)
    if _libc_capset(header, data) != 0:
        raise _oserror("capset")
    try:
        sys_prctl(PR_CAP_AMBIENT, 4)  # PR_CAP_AMBIENT_CLEAR_ALL
    except OSError:
        pass


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def apply_seccomp(bpf):
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buf))
    sys_prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog))


# Landlock (syscalls 444-446 on every architecture): writes only inside the work dir, no TCP,
# and (ABI >= 6) no signals to processes outside the sandbox.
LL_WRITE_FILE, LL_REMOVE_DIR, LL_REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
LL_MAKE_ALL = sum(1 << b for b in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
LL_REFER, LL_TRUNCATE = 1 << 13, 1 << 14


def landlock_abi():
    rc = _libc_syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return rc if rc > 0 else 0


def apply_landlock(abi, workdir):
    fs = LL_WRITE_FILE | LL_REMOVE_DIR | LL_REMOVE_FILE | LL_MAKE_ALL
    if abi >= 2:
        fs |= LL_REFER
    if abi >= 3:
        fs |= LL_TRUNCATE
    net = 3 if abi >= 4 else 0      # BIND_TCP | CONNECT_TCP, with no rule allowing either
    scoped = 3 if abi >= 6 else 0   # ABSTRACT_UNIX_SOCKET | SIGNAL
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    attr = ctypes.create_string_buffer(struct.pack("<QQQ", fs, net, scoped)[:size], size)
    rfd = _libc_syscall(ctypes.c_long(444), attr, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if rfd < 0:
        raise _oserror("landlock_create_ruleset")
    try:
        def allow(path, access):
            pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = ctypes.create_string_buffer(struct.pack("<Qi", access, pfd), 12)
                if _libc_syscall(ctypes.c_long(445), ctypes.c_int(rfd), ctypes.c_int(1), rule,
                                ctypes.c_uint32(0)) != 0:
                    raise _oserror("landlock_add_rule %s" % path)
            finally:
                os.close(pfd)
        allow(workdir, fs)
        allow("/dev/null", LL_WRITE_FILE | (LL_TRUNCATE if abi >= 3 else 0))
        if _libc_syscall(ctypes.c_long(446), ctypes.c_int(rfd), ctypes.c_uint32(0)) != 0:
            raise _oserror("landlock_restrict_self")
    finally:
        os.close(rfd)


# ---------------------------------------------------------------- framing and values

def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_exact(fd, n):
    parts = []
    while n > 0:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            return None
        parts.append(b)
        n -= len(b)
    return b"".join(parts)


def send_msg(fd, obj):
    data = json.dumps(obj, separators=(",", ":")).encode()
    write_all(fd, struct.pack("<I", len(data)) + data)


def recv_msg(fd, limit=MAX_MSG):
    head = read_exact(fd, 4)
    if head is None:
        return None
    (n,) = struct.unpack("<I", head)
    if n > limit:
        raise ValueError("message of %d bytes is over the %d byte limit" % (n, limit))
    body = read_exact(fd, n)
    return None if body is None else json.loads(body)


_INF = float("inf")


def encode_value(x, depth=0):
    # Only plain values cross the boundary, tagged so that tuples, sets and dicts survive. Exact
    # type checks: a subclass of int or str could carry an always-true __eq__.
    if depth > 100:
        raise TypeError("value nested deeper than 100 levels")
    t = type(x)
    if x is None or t is bool or t is int or t is str:
        return x
    if t is float:
        return {"$float": repr(x)} if (x != x or x == _INF or x == -_INF) else x
    d = depth + 1
    if t is list:
        return [encode_value(v, d) for v in x]
    if t is tuple:
        return {"$tuple": [encode_value(v, d) for v in x]}
    if t is dict:
        return {"$dict": [[encode_value(k, d), encode_value(v, d)] for k, v in x.items()]}
    if t is set:
        return {"$set": [encode_value(v, d) for v in x]}
    if t is frozenset:
        return {"$frozenset": [encode_value(v, d) for v in x]}
    if t is bytes:
        return {"$bytes": x.hex()}
    if t is complex:
        return {"$complex": [encode_value(x.real, d), encode_value(x.imag, d)]}
    raise TypeError("a value of type %s cannot leave the sandbox" % t.__name__)


def decode_value(j, depth=0):
    # The strict inverse of encode_value: builds only plain Python values from JSON.
    if depth > 100:
        raise ValueError("value nested deeper than 100 levels")
    t = type(j)
    if j is None or t is bool or t is int or t is float or t is str:
        return j
    d = depth + 1
    if t is list:
        return [decode_value(v, d) for v in j]
    if t is dict and len(j) == 1:
        ((tag, v),) = j.items()
        if tag == "$float" and v in ("nan", "inf", "-inf"):
            return float(v)
        if type(v) is list:
            if tag == "$tuple":
                return tuple(decode_value(e, d) for e in v)
            if tag == "$dict":
                out = {}
                for pair in v:
                    if type(pair) is not list or len(pair) != 2:
                        raise ValueError("malformed dict entry")
                    out[decode_value(pair[0], d)] = decode_value(pair[1], d)
                return out
            if tag == "$set":
                return set(decode_value(e, d) for e in v)
            if tag == "$frozenset":
                return frozenset(decode_value(e, d) for e in v)
            if tag == "$complex" and len(v) == 2:
                re_, im = decode_value(v[0], d), decode_value(v[1], d)
                if type(re_) is float and type(im) is float:
                    return complex(re_, im)
        if tag == "$bytes" and type(v) is str:
            return bytes.fromhex(v)
    raise ValueError("malformed value")


def to_plain(x, depth=0):
    # A decoded value as plain JSON for the comparison in C++: tuples become arrays, dicts with
    # string keys objects; other containers keep a tag so they never equal a plain array.
    if depth > 100:
        raise ValueError("value nested deeper than 100 levels")
    t = type(x)
    d = depth + 1
    if x is None or t is bool or t is str:
        return x
    if t is int:
        return x if -(1 << 63) <= x < (1 << 64) else {"$int": str(x)}
    if t is float:
        return {"$float": repr(x)} if (x != x or x == _INF or x == -_INF) else x
    if t is list or t is tuple:
        return [to_plain(v, d) for v in x]
    if t is dict:
        if all(type(k) is str for k in x):
            return {k: to_plain(v, d) for k, v in x.items()}
        return {"$dict": [[to_plain(k, d), to_plain(v, d)] for k, v in x.items()]}
    if t is set or t is frozenset:
        items = [to_plain(v, d) for v in x]
        items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return {"$set": items}
    if t is bytes:
        return {"$bytes": x.hex()}
    if t is complex:
        return {"$complex": [to_plain(x.real, d), to_plain(x.imag, d)]}
    raise ValueError("unexpected type %s" % t.__name__)


def exit_status_of(code):
    # What `python3 -c` does with the argument of SystemExit.
    if code is None:
        return 0
    if type(code) is int:
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def short_text(s, n=400):
    s = str(s)
    return s if len(s) <= n else s[:n] + "..."


)PYTHON";
}

}  // namespace r1
