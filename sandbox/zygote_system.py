# The sandbox zygote's script, part 1: imports, system calls through ctypes (namespaces,
# mounts, prctl, capabilities, Landlock, seccomp), message framing and the plain-value encoding
# that crosses the sandbox boundary.
# (Embedded into the r1 binary at build time: cmake/embed_text.cmake; sandbox/zygote_script.h
# joins the three parts in order.)

# r1.cpp sandbox zygote. sandbox/zygote.cpp starts this as `python3 -I -c <script>`
# inside the zygote-level namespaces, with fd 3 a SOCK_SEQPACKET control socket. Python starts
# once here; every run is one fork, the harness H, which becomes pid 1 of a fresh pid namespace,
# isolates itself and runs the untrusted code. The zygote supervises the runs: it enforces the
# wall-clock timeouts, reaps H and writes each run's status. In "check" and "cases" modes H forks
# U, which runs the untrusted code; H stays trusted and talks to U over pipes, so the tests, the
# expected values and the nonce never share a process with untrusted code.
import ast
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
CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC = 0x00020000, 0x20000000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH, AT_FDCWD, AT_RECURSIVE = 2, -100, 0x8000
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 1, 2
SYS_MOUNT_SETATTR = 442  # the same number on every architecture
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


def sys_umount_detach(target):
    if libc.umount2(_c(target), ctypes.c_int(MNT_DETACH)) != 0:
        raise _oserror("umount %s" % target)


def sys_pivot_root(nr, new_root, put_old):
    if _libc_syscall(ctypes.c_long(nr), _c(new_root), _c(put_old)) != 0:
        raise _oserror("pivot_root")


def sys_mount_setattr_readonly(target):
    # Read-only and nosuid for a whole mount tree in one call (Linux 5.12+). Not nodev: the
    # device nodes bound into /dev must stay usable.
    attr = ctypes.create_string_buffer(struct.pack("<QQQQ", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID,
                                                   0, 0, 0), 32)
    if _libc_syscall(ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD), _c(target),
                     ctypes.c_uint(AT_RECURSIVE), attr, ctypes.c_size_t(32)) != 0:
        raise _oserror("mount_setattr %s" % target)


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


# Landlock (syscalls 444-446 on every architecture): reads only of the runtime (the Python
# installation and the libraries it loads), /proc and a few devices; writes only inside the work
# dir; no TCP; and (ABI >= 6) no signals to processes outside the sandbox. The read rules matter
# most where a run has no minimal root of its own (no mount namespace): there they keep the
# host's files, evaluation data among them, out of reach.
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
LL_REMOVE_DIR, LL_REMOVE_FILE = 1 << 4, 1 << 5
LL_MAKE_ALL = sum(1 << b for b in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
LL_REFER, LL_TRUNCATE = 1 << 13, 1 << 14
LL_READ = LL_EXECUTE | LL_READ_FILE | LL_READ_DIR
READABLE_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def landlock_abi():
    rc = _libc_syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return rc if rc > 0 else 0


def apply_landlock(abi, workdir, readable):
    writes = LL_WRITE_FILE | LL_REMOVE_DIR | LL_REMOVE_FILE | LL_MAKE_ALL
    if abi >= 2:
        writes |= LL_REFER
    if abi >= 3:
        writes |= LL_TRUNCATE
    fs = writes | LL_READ
    net = 3 if abi >= 4 else 0      # BIND_TCP | CONNECT_TCP, with no rule allowing either
    scoped = 3 if abi >= 6 else 0   # ABSTRACT_UNIX_SOCKET | SIGNAL
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    attr = ctypes.create_string_buffer(struct.pack("<QQQ", fs, net, scoped)[:size], size)
    rfd = _libc_syscall(ctypes.c_long(444), attr, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if rfd < 0:
        raise _oserror("landlock_create_ruleset")
    try:
        def allow(path, access, required=True):
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                if required:
                    raise
                return
            try:
                if not os.path.isdir(path):
                    access &= ~(LL_READ_DIR | LL_REMOVE_DIR | LL_REMOVE_FILE | LL_MAKE_ALL | LL_REFER)
                rule = ctypes.create_string_buffer(struct.pack("<Qi", access, pfd), 12)
                if _libc_syscall(ctypes.c_long(445), ctypes.c_int(rfd), ctypes.c_int(1), rule,
                                ctypes.c_uint32(0)) != 0:
                    raise _oserror("landlock_add_rule %s" % path)
            finally:
                os.close(pfd)
        allow(workdir, fs)
        for path in readable:
            allow(path, LL_READ, required=False)
        allow("/proc", LL_READ_FILE | LL_READ_DIR, required=False)
        for dev in READABLE_DEVICES:
            allow(dev, LL_READ_FILE, required=False)
        allow("/dev/null", LL_READ_FILE | LL_WRITE_FILE | (LL_TRUNCATE if abi >= 3 else 0))
        if _libc_syscall(ctypes.c_long(446), ctypes.c_int(rfd), ctypes.c_uint32(0)) != 0:
            raise _oserror("landlock_restrict_self")
    finally:
        os.close(rfd)


# ---------------------------------------------------------------- the minimal root

def runtime_paths(extra):
    # What sandboxed Python needs from the host, read-only: the interpreter's own directories
    # (its sys.path: the standard library, extension modules, site-packages), the binaries and
    # the shared libraries they load, and the loader's cache. Nothing else of the host: no home
    # directories, no work trees or datasets, no /var, /run or /dev/shm.
    wanted = ["/usr/bin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32", "/usr/libexec",
              "/etc/ld.so.cache"]
    for top in ("/bin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.isdir(top) and not os.path.islink(top):
            wanted.append(top)  # a system without merged /usr
    exe = os.path.realpath(sys.executable)
    wanted.append(os.path.dirname(exe))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        wanted.append(os.path.join(prefix, "lib"))  # libpython of an interpreter outside /usr
    wanted += [p for p in sys.path if p]
    wanted += list(extra)
    real = []
    for p in wanted:
        if not p.startswith("/") or not os.path.exists(p):
            continue
        p = os.path.realpath(p)
        if p == "/" or p in real:
            continue
        real.append(p)
    real.sort(key=len)
    out = []
    for p in real:
        if not any(p.startswith(q + "/") for q in out):
            out.append(p)
    return out


def build_minimal_root(root, paths):
    # A small tmpfs of mount points, with the runtime bound into it read-only, devices bound
    # one by one, and empty /tmp and /proc for the run's own mounts. The caller pivots into it.
    sys_mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = "/" + top
        if os.path.islink(host):
            os.symlink(os.readlink(host), root + host)  # merged /usr: bin -> usr/bin
    for src in paths:
        dst = root + src
        if os.path.isdir(src):
            os.makedirs(dst, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.close(os.open(dst, os.O_WRONLY | os.O_CREAT, 0o644))
        sys_mount(src, dst, None, MS_BIND | MS_REC)
    os.mkdir(root + "/dev", 0o755)
    for dev in READABLE_DEVICES:
        if os.path.exists(dev):
            os.close(os.open(root + dev, os.O_WRONLY | os.O_CREAT, 0o666))
            sys_mount(dev, root + dev, None, MS_BIND)
    os.mkdir(root + "/dev/shm", 0o755)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, root + "/dev/" + name)
    os.makedirs(root + "/etc", exist_ok=True)
    os.mkdir(root + "/tmp", 0o755)
    os.mkdir(root + "/proc", 0o555)
    try:
        sys_mount_setattr_readonly(root)
    except OSError as e:
        if e.errno != 38:  # ENOSYS: a kernel before 5.12; remount each mount instead
            raise
        for src in paths:
            flags = os.statvfs(root + src).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
            sys_mount(None, root + src, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | flags)
        sys_mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def pivot_into(root, nr_pivot_root):
    # pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
    os.chdir(root)
    sys_pivot_root(nr_pivot_root, ".", ".")
    sys_umount_detach(".")
    os.chdir("/")


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


