# The sandbox zygote's script, part 2: the harness H of one run (isolation steps, fd layout,
# rlimits, privilege drop) and its modes: program, command, and the check/cases modes with the
# solution process U.
# (Embedded into the r1 binary at build time: cmake/embed_text.cmake; sandbox/zygote_script.h
# joins the three parts in order.)

# ---------------------------------------------------------------- H: isolation

class SetupError(Exception):
    pass


# Where the minimal root is assembled in the run's own mount namespace before pivoting into it
# (a tmpfs mounted over the zygote's /tmp, which this namespace no longer needs).
NEW_ROOT = "/tmp"


def step(plan, failed, lenient, name, fn):
    # In the start-up probe (lenient) a failing layer is recorded and switched off; in a real
    # run every layer of the plan must succeed, or the run fails as a sandbox error.
    try:
        fn()
        return True
    except OSError as e:
        if not lenient:
            raise SetupError("%s: %s" % (name, e))
        failed[name] = str(e)
        plan[name] = False
        return False


def run_ids(cfg, slot):
    mode = cfg["uid_mode"]
    if mode in ("ns_range", "host_range"):
        ident = cfg["uid_base"] + slot
        return ident, ident
    if mode == "caps_only":
        return 0, 0
    return os.getuid(), os.getgid()


def set_rlimits(limits, cfg):
    nproc = limits["nproc"]
    if cfg["uid_mode"] in ("caps_only", "none"):
        # All runs share one uid, so RLIMIT_NPROC counts them together (docs/sandbox.md).
        nproc = nproc * cfg["max_slots"] + cfg.get("nproc_base", 0) + 64
    cpu = limits["cpu_s"]
    table = [
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_AS, limits["memory_mb"] << 20, limits["memory_mb"] << 20),
        (resource.RLIMIT_NPROC, nproc, nproc),
        (resource.RLIMIT_FSIZE, limits["fsize_mb"] << 20, limits["fsize_mb"] << 20),
        (resource.RLIMIT_NOFILE, limits["nofile"], limits["nofile"]),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    for which, soft, hard in table:
        old_soft, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            hard = min(hard, old_hard)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def drop_privileges(cfg, uid, gid):
    mode = cfg["uid_mode"]
    if mode in ("ns_range", "host_range"):
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            raise OSError(1, "still uid 0 after setresuid")
    if mode in ("ns_range", "host_range", "caps_only"):
        drop_capabilities()


def arrange_fds(fds):
    # fds[i] becomes descriptor i; everything else is closed.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 16) for fd in fds]
    for i, fd in enumerate(high):
        os.dup2(fd, i)
    os.closerange(len(fds), 0x7FFFFFFF)  # close_range(2) when the kernel has it


def reopen_stdio():
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True)


def stdin_fd(data):
    if not data:
        return os.open("/dev/null", os.O_RDONLY)
    fd = os.memfd_create("stdin", 0)
    write_all(fd, data.encode())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def flush_stdio():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass


# ---------------------------------------------------------------- H: modes

def run_program(p1):
    ns = {"__name__": "__main__", "__builtins__": builtins, "__file__": "<solution>"}
    sys.argv = ["<solution>"]
    rc = 0
    try:
        exec(compile(p1.get("code", ""), "<solution>", "exec"), ns)
    except SystemExit as e:
        rc = exit_status_of(e.code)
    except BaseException:
        traceback.print_exc()
        rc = 1
    flush_stdio()
    os._exit(rc)


# Signals the solution could send to H (its parent, its process group, pid 1 of the run). H
# ignores them all from before U exists: a signal from U must never turn a wrong answer into a
# harness error. (In a pid namespace H is pid 1 and SIGKILL/SIGSTOP from U do not reach it;
# without one, a killed H leaves no report and the run fails closed.)
_UNBLOCKABLE = (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD)


def set_catchable_signals(handler):
    for sig in signal.valid_signals():
        if sig not in _UNBLOCKABLE:
            try:
                signal.signal(sig, handler)
            except (OSError, ValueError, RuntimeError):
                pass


def restore_default_signals():
    # The dispositions a fresh `python3` starts with, for the solution's process.
    set_catchable_signals(signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_IGN)


def with_stub_body(src):
    # A prompt that ends in a bare signature ("def add(a, b):\n"), with that header given a stub
    # body; None for any other prompt.
    lines = [l for l in src.splitlines() if l.strip()]
    last = lines[-1] if lines else ""
    if not last.rstrip().endswith(":"):
        return None
    indent = last[:len(last) - len(last.lstrip())]
    return src.rstrip() + "\n" + indent + "    pass\n"


def parse_prompt(src):
    # The prompt as a module (a bare last signature stubbed, as compile_prelude does for H);
    # None when it does not parse even so.
    try:
        return ast.parse(src)
    except SyntaxError:
        stubbed = with_stub_body(src)
        try:
            return ast.parse(stubbed) if stubbed is not None else None
        except SyntaxError:
            return None


def run_context(src, entry, ns):
    # A code prompt's imports, constants and helpers, for a solution that rewrote the whole
    # function and left out what the prompt already had ("from typing import List"): run in U
    # before the solution, which may redefine any of them. Module-level imports, assignments,
    # defs and classes only (no loops, ifs or augmented assignments), each on its own, so one
    # that fails takes nothing else with it. Whatever one binds to the entry point's name (its
    # stub, an import of a function of that name) is taken out again: the context never
    # answers for the solution.
    if not src:
        return
    tree = parse_prompt(src)
    if tree is None:
        return
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                                 ast.ClassDef, ast.Assign, ast.AnnAssign)):
            continue
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), "<prompt>", "exec"), ns)
        except BaseException:
            pass
        ns.pop(entry, None)


def serve_candidate(p1, req_r, resp_w):
    # U: loads the untrusted code, then answers calls. Nothing it sends is trusted by H.
    restore_default_signals()
    ns = {"__name__": "__solution__", "__builtins__": builtins}
    sys.argv = ["<solution>"]
    run_context(p1.get("context") or "", p1.get("entry_point") or "", ns)
    try:
        exec(compile(p1.get("code", ""), "<solution>", "exec"), ns)
    except SystemExit:
        flush_stdio()
        os._exit(0)
    except BaseException as e:
        kind = "syntax_error" if isinstance(e, SyntaxError) else "load_error"
        flush_stdio()
        send_msg(resp_w, {"load_error": {"kind": kind, "type": type(e).__name__, "msg": short_text(e)}})
        os._exit(1)
    names = sorted(k for k, v in ns.items() if isinstance(v, types.FunctionType))
    flush_stdio()
    send_msg(resp_w, {"ready": names})
    while True:
        req = recv_msg(req_r)
        if req is None:
            flush_stdio()
            os._exit(0)
        try:
            fn = ns[req["fn"]]
            args = [decode_value(a) for a in req["args"]]
            kwargs = {k: decode_value(v) for k, v in req["kwargs"].items()}
            out = fn(*args, **kwargs)
            try:
                resp = {"ok": encode_value(out)}
            except (TypeError, RecursionError) as e:
                resp = {"bad_return": short_text(e)}
        except Exception as e:
            try:
                msg = short_text(e)
            except Exception:
                msg = "?"
            resp = {"exc": {"type": type(e).__name__, "msg": msg}}
        flush_stdio()
        send_msg(resp_w, resp)


class CandidateDied(BaseException):
    # Raised in H when U is gone. A BaseException, so that tests' `except Exception` cannot
    # swallow it; H fails the run when U died whatever the tests did.
    pass


class CandidateState:
    def __init__(self):
        self.dead = False
        self.bad_return = None
        self.last_exc = None


def make_proxy(name, state, req_w, resp_r):
    def proxy(*args, **kwargs):
        if state.dead:
            raise CandidateDied()
        msg = {"fn": name, "args": [encode_value(a) for a in args],
               "kwargs": {k: encode_value(v) for k, v in kwargs.items()}}
        try:
            send_msg(req_w, msg)
            resp = recv_msg(resp_r, 16 << 20)
        except Exception:
            # Whatever U wrote (cut short, not JSON, nested past the parser's recursion
            # limit) is U's failure.
            resp = None
        if type(resp) is not dict:
            state.dead = True
            raise CandidateDied()
        if "ok" in resp:
            try:
                return decode_value(resp["ok"])
            except Exception as e:
                state.bad_return = "malformed value: %s" % e
                raise CandidateDied()
        if "bad_return" in resp:
            state.bad_return = short_text(resp["bad_return"])
            raise CandidateDied()
        exc = resp.get("exc") if type(resp.get("exc")) is dict else {}
        tname, tmsg = str(exc.get("type", "Exception")), str(exc.get("msg", ""))
        state.last_exc = {"type": tname, "msg": tmsg}
        cls = getattr(builtins, tname, None)
        # StopIteration raised inside a test's map/filter/iter(callable) would end that
        # iteration, not fail it: all(map(check, cases)) would pass on no cases. PEP 479 turns
        # it into RuntimeError in generators; the solution's gets the same everywhere.
        if not (isinstance(cls, type) and issubclass(cls, Exception)) or issubclass(
                cls, (StopIteration, StopAsyncIteration)):
            cls = RuntimeError
        try:
            err = cls(tmsg)
        except Exception:
            err = RuntimeError(tmsg)
        err.r1_candidate = True
        raise err
    proxy.__name__ = name
    return proxy


def classify(e, state):
    if isinstance(e, CandidateDied):
        if state.bad_return is not None:
            return {"kind": "bad_return", "error": state.bad_return}
        return {"kind": "candidate_died", "error": "the solution process exited or crashed"}
    if getattr(e, "r1_candidate", False):
        return {"kind": "exception", "type": type(e).__name__, "error": short_text(e)}
    if isinstance(e, AssertionError):
        return {"kind": "assertion", "error": short_text(e) or "assertion failed"}
    return {"kind": "test_error", "type": type(e).__name__, "error": short_text(e)}


def run_calls(mode, p1):
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()
    set_catchable_signals(signal.SIG_IGN)
    upid = os.fork()
    if upid == 0:
        try:
            for fd in (FD_RESULT, FD_NONCE, FD_PAYLOAD, req_w, resp_r):
                os.close(fd)
            serve_candidate(p1, req_r, resp_w)
        finally:
            os._exit(1)
    os.close(req_r)
    os.close(resp_w)
    # Only now, with U forked, does H read the tests (and later the nonce).
    p2 = recv_msg(FD_PAYLOAD)
    os.close(FD_PAYLOAD)
    if type(p2) is not dict:
        raise SetupError("payload: missing second part")
    try:
        report = evaluate(mode, p2, req_w, resp_r)
    except MemoryError:
        report = {"status": "failed", "kind": "memory", "error": "the harness ran out of memory"}
    except BaseException as e:
        # Faults of the task (a prompt or tests that do not run) come back as reports, not
        # exceptions. Anything else that escapes happened while U was running, and only U can
        # have caused it: the solution's failure, never a verifier error.
        report = {"status": "failed", "kind": "harness_fault",
                  "error": "%s: %s" % (type(e).__name__, short_text(e))}
    flush_stdio()
    # The nonce enters this process only now, after the last test; U was forked long before.
    report["nonce"] = os.read(FD_NONCE, 256).decode("ascii", "replace")
    write_all(FD_RESULT, json.dumps(report).encode())
    os.close(FD_RESULT)
    try:
        os.kill(upid, signal.SIGKILL)
    except OSError:
        pass
    os._exit(0)


def evaluate(mode, p2, req_w, resp_r):
    state = CandidateState()
    entry = p2.get("entry_point") or ""
    report = {"status": "failed"}
    try:
        hello = recv_msg(resp_r, 1 << 20)
    except Exception:
        hello = None
    if type(hello) is not dict:
        report.update(kind="candidate_died", error="the solution exited while loading")
    elif "load_error" in hello:
        le = hello["load_error"] if type(hello["load_error"]) is dict else {}
        # U wrote this message, and U can write any: only the two kinds U's loader sends are
        # taken. A kind the verifier reads as the harness's own fault ("harness_error") would
        # turn the solution's 0 into a verifier error, and drop the sample with its penalty.
        kind = le.get("kind")
        if kind not in ("syntax_error", "load_error"):
            kind = "load_error"
        report.update(kind=kind, type=str(le.get("type", "")), error=short_text(le.get("msg", "")))
    elif entry and entry not in (hello.get("ready") or []):
        report.update(kind="no_entry_point", error="the code does not define %s" % entry)
    else:
        names = [n for n in hello.get("ready") or [] if type(n) is str]
        if mode == "check":
            report.update(check_tests(p2, names, entry, state, req_w, resp_r))
        else:
            report.update(run_cases(p2, entry, state, req_w, resp_r))
    return report


def compile_prelude(src):
    # The task prompt, run in H so that the tests see its imports and helpers. A prompt may end
    # in a bare signature that only the completion completes ("def add(a, b):\n"): give the last
    # header a stub body, so that prompt + completion is judged rather than the prompt alone.
    try:
        return compile(src, "<prompt>", "exec")
    except SyntaxError as first:
        stubbed = with_stub_body(src)
        if stubbed is None:
            raise first
        try:
            return compile(stubbed, "<prompt>", "exec")
        except SyntaxError:
            raise first


def check_tests(p2, names, entry, state, req_w, resp_r):
    hns = {"__name__": "__check__", "__builtins__": builtins}
    try:
        exec(compile_prelude(p2.get("prelude") or ""), hns)
    except BaseException as e:
        return {"kind": "harness_error", "error": "the task prompt does not run: %s: %s" % (type(e).__name__, short_text(e))}
    # The tests reach the solution through its entry point only. Every other name they use
    # (builtins, the prompt's helpers, their own check) stays H's: a solution that defines
    # range, abs or check replaces nothing here. A task without an entry point gets the
    # solution's functions, except any that would shadow a builtin or the prompt's names.
    if entry:
        hns[entry] = make_proxy(entry, state, req_w, resp_r)
    else:
        for n in names:
            if n not in hns and not hasattr(builtins, n):
                hns[n] = make_proxy(n, state, req_w, resp_r)
    tests = p2.get("tests") or ""
    try:
        code = compile(tests, "<tests>", "exec")
    except SyntaxError as e:
        return {"kind": "harness_error", "error": "the task tests do not compile: %s" % short_text(e)}
    try:
        exec(code, hns)
        if "check" in hns and callable(hns["check"]) and entry:
            hns["check"](hns[entry])
    except BaseException as e:
        return classify(e, state)
    if state.dead or state.bad_return is not None:
        return classify(CandidateDied(), state)
    return {"status": "passed"}


def run_cases(p2, entry, state, req_w, resp_r):
    fn = make_proxy(entry, state, req_w, resp_r)
    outputs = []
    for case in p2.get("cases") or []:
        args = case.get("args", []) if type(case) is dict else []
        kwargs = case.get("kwargs", {}) if type(case) is dict else {}
        try:
            outputs.append({"ok": to_plain(fn(*args, **kwargs))})
        except CandidateDied as e:
            outputs.append({"error": classify(e, state)})
            break
        except Exception as e:
            outputs.append({"error": classify(e, state)})
    return {"status": "done", "outputs": outputs}


def run_probe(cfg, plan, failed, workdir):
    checks = {}
    try:
        with open("/proc/self/status") as f:
            st = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        checks["seccomp_mode"] = int(st.get("Seccomp", "0").strip())
        checks["no_new_privs"] = st.get("NoNewPrivs", "0").strip() == "1"
        checks["cap_eff_zero"] = int(st.get("CapEff", "0").strip(), 16) == 0
    except OSError as e:
        checks["status_error"] = str(e)
    checks["uid"], checks["euid"] = os.getuid(), os.geteuid()
    checks["pid"] = os.getpid()
    checks["readonly_root"] = bool(os.statvfs("/").f_flag & os.ST_RDONLY)
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        checks["inet_socket_blocked"] = False
    except OSError:
        checks["inet_socket_blocked"] = True
    blocked = True
    for path in ("/r1-sandbox-probe-%d" % os.getpid(), "/dev/shm/r1-sandbox-probe-%d" % os.getpid()):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            os.unlink(path)
            blocked = False
        except OSError:
            pass
    checks["write_outside_blocked"] = blocked
    readable = []
    for path in ("/etc/passwd", "/etc/hostname", "/home", "/root"):
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                os.close(os.open(path, os.O_RDONLY))
            readable.append(path)
        except OSError:
            pass
    checks["read_outside_blocked"] = not readable
    try:
        with open(os.path.join(workdir, "probe"), "w") as f:
            f.write("x")
        checks["workdir_writable"] = True
    except OSError:
        checks["workdir_writable"] = False
    write_all(FD_RESULT, json.dumps({"plan": plan, "failed": failed, "checks": checks}).encode())
    os._exit(0)


def harness(hdr, fds, cfg, plan, lenient, failed, workdir, uid, gid):
    # H: pid 1 of the run's pid namespace (when there is one). It leaves the zygote's signal
    # set-up, takes a mount namespace with a private /tmp, isolates itself, then runs the mode.
    # fds: payload, stdout, stderr, result, nonce (the zygote keeps the status pipe).
    res_fd = fds[3]
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        limits = hdr["limits"]
        if plan["ipc_ns"]:
            # System V IPC of this run alone: what it creates dies with it.
            step(plan, failed, lenient, "ipc_ns", lambda: sys_unshare(CLONE_NEWIPC))
        if plan["mount_ns"]:
            step(plan, failed, lenient, "mount_ns", lambda: (
                sys_unshare(CLONE_NEWNS), sys_mount(None, "/", None, MS_REC | MS_PRIVATE)))
        plan["private_tmp"] = plan["private_tmp"] and plan["mount_ns"]
        plan["private_proc"] = plan["private_proc"] and plan["mount_ns"] and plan["pid_ns"]
        plan["minimal_root"] = plan["minimal_root"] and plan["private_tmp"]
        root = ""
        if plan["minimal_root"] and step(plan, failed, lenient, "minimal_root",
                                         lambda: build_minimal_root(NEW_ROOT, cfg["runtime_paths"])):
            root = NEW_ROOT
        if plan["private_tmp"]:
            opts = "size=%dk,nr_inodes=%d,mode=0700,uid=%d,gid=%d" % (
                limits["tmp_mb"] << 10, 4096, uid, gid)
            if step(plan, failed, lenient, "private_tmp", lambda: sys_mount(
                    "tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts)):
                workdir = root + "/tmp"
        if workdir is None:
            raise SetupError("no work directory")
        if plan["private_proc"]:
            step(plan, failed, lenient, "private_proc",
                 lambda: sys_mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC))
        if root and plan["private_tmp"]:
            if step(plan, failed, lenient, "minimal_root",
                    lambda: pivot_into(root, cfg["nr_pivot_root"])):
                workdir = "/tmp"
        os.setsid()
        p1 = recv_msg(fds[0])
        if type(p1) is not dict:
            raise SetupError("payload: missing first part")
        arrange_fds([stdin_fd(p1.get("stdin")), fds[1], fds[2], fds[3], fds[4], fds[0]])
        res_fd = FD_RESULT
        reopen_stdio()
        os.chdir(workdir)
        set_rlimits(hdr["limits"], cfg)
        try:
            # Under memory pressure (in the sandbox's cgroup or on the host) runs die first.
            fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
            os.write(fd, b"1000")
            os.close(fd)
        except OSError:
            pass
        drop_privileges(cfg, uid, gid)  # never lenient: no run keeps the zygote's privileges
        sys_prctl(PR_SET_NO_NEW_PRIVS, 1)
        sys_prctl(PR_SET_DUMPABLE, 0)
        if plan["landlock"]:
            step(plan, failed, lenient, "landlock",
                 lambda: apply_landlock(cfg["landlock_abi"], workdir, cfg["runtime_paths"]))
        if plan["seccomp"]:
            bpf = cfg["bpf_restrict_kill"] if plan.get("restrict_kill") else cfg["bpf"]
            step(plan, failed, lenient, "seccomp", lambda: apply_seccomp(bpf))
        os.environ.clear()
        os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir,
                           "TMPDIR": workdir, "LANG": "C.UTF-8"})
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL if hdr["mode"] == "command" else signal.SIG_IGN)
        # (random was reseeded by its own at-fork hook.)
    except BaseException as e:
        try:
            write_all(res_fd, json.dumps({"setup_error": "%s: %s" % (type(e).__name__, e)}).encode())
        finally:
            os._exit(SETUP_FAILED_EXIT)
    mode = hdr["mode"]
    try:
        if mode == "probe":
            run_probe(cfg, plan, failed, workdir)
        if mode in ("check", "cases"):
            run_calls(mode, p1)
        os.close(FD_RESULT)
        os.close(FD_NONCE)
        os.close(FD_PAYLOAD)
        if mode == "command":
            argv = hdr.get("argv") or []
            try:
                os.execvpe(argv[0], argv, dict(os.environ))
            except BaseException as e:
                sys.stderr.write("sandbox: cannot run %r: %s\n" % (argv[:1], e))
                flush_stdio()
                os._exit(127)
        run_program(p1)
    except SetupError as e:
        # Only reachable before untrusted code runs (run_calls reads the payload first).
        try:
            write_all(FD_RESULT, json.dumps({"setup_error": str(e)}).encode())
        finally:
            os._exit(SETUP_FAILED_EXIT)
    finally:
        os._exit(1)


