# The sandbox zygote's script, part 3: the zygote itself: the start-up probe of the layers,
# forking one harness per run in a fresh pid namespace, timeouts, reaping and status reports.
# (Embedded into the r1 binary at build time: cmake/embed_text.cmake; sandbox/zygote_script.h
# joins the three parts in order.)

# ---------------------------------------------------------------- the zygote

def kill_run(pid):
    # H is pid 1 of the run's pid namespace (killing it ends the namespace) and leads its own
    # process group (seccomp forbids leaving it).
    for fn in (os.killpg, os.kill):
        try:
            fn(pid, signal.SIGKILL)
        except OSError:
            pass


_seq = [0]


def make_workdir(cfg, uid, gid):
    # Only for runs without a private tmpfs; the zygote removes it after the run.
    _seq[0] += 1
    path = os.path.join(cfg["tmp_root"], "r1-sandbox-%d-%d" % (os.getpid(), _seq[0]))
    os.mkdir(path, 0o700)
    if (uid, gid) != (os.getuid(), os.getgid()):
        os.chown(path, uid, gid)
    return path


def fork_harness(hdr, fds, cfg, plan, lenient, failed, slot, workdir):
    uid, gid = run_ids(cfg, slot)
    # unshare(CLONE_NEWPID) puts the next child in a new pid namespace; setns back to our own
    # makes the one after that get a fresh one again.
    new_ns = plan["pid_ns"] and step(plan, failed, lenient, "pid_ns", lambda: sys_unshare(CLONE_NEWPID))
    try:
        pid = os.fork()
    except BaseException:
        if new_ns:
            sys_setns(cfg["own_pidns_fd"], CLONE_NEWPID)
        raise
    if pid == 0:
        try:
            harness(hdr, fds, cfg, plan, lenient, failed, workdir, uid, gid)
        finally:
            os._exit(1)
    if new_ns:
        sys_setns(cfg["own_pidns_fd"], CLONE_NEWPID)
    return pid


def drain(fd):
    parts = []
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        parts.append(b)
    os.close(fd)
    return b"".join(parts)


def probe(cfg):
    # Runs one trivial run with every wanted layer in lenient mode, to learn which layers this
    # kernel grants; real runs then use exactly those, strictly.
    plan = dict(cfg["want"])
    plan["landlock"] = plan["landlock"] and cfg["landlock_abi"] > 0
    failed = {}
    uid, gid = run_ids(cfg, 0)
    fallback = make_workdir(cfg, uid, gid)
    payload_r, payload_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    nonce_r, nonce_w = os.pipe()
    send_msg(payload_w, {"code": ""})
    os.close(payload_w)
    os.close(nonce_w)
    hdr = {"id": -1, "mode": "probe", "limits": cfg["probe_limits"]}
    pid = fork_harness(hdr, [payload_r, out_w, err_w, res_w, nonce_r], cfg, plan, True, failed, 0,
                       fallback)
    for fd in (payload_r, out_w, err_w, res_w, nonce_r):
        os.close(fd)
    res, out, err = drain(res_r), drain(out_r), drain(err_r)
    _, status = os.waitpid(pid, 0)
    if not plan["pid_ns"]:
        kill_run(pid)
    shutil.rmtree(fallback, ignore_errors=True)
    report = {"result": json.loads(res) if res else None, "exit_status": status,
              "stderr": err.decode("utf-8", "replace")[-2000:]}
    final = dict(plan)
    result = report["result"]
    if type(result) is dict and type(result.get("plan")) is dict:
        for k, v in result["plan"].items():
            final[k] = final.get(k, False) and v is True
    else:
        raise RuntimeError("the probe run failed: %r" % (result if result else err[-2000:]))
    final["restrict_kill"] = not (final["pid_ns"] or cfg["uid_mode"] in ("ns_range", "host_range")
                                  or (final["landlock"] and cfg["landlock_abi"] >= 6))
    return final, report


class Run:
    __slots__ = ("seq", "id", "status_fd", "slot", "t0", "timed_out", "workdir")


def serve(ctrl, cfg, plan, wake_r):
    runs = {}        # pid of H -> Run
    deadlines = []   # heap of (deadline, seq, pid); seq tells a reused pid from its run
    free_slots = []  # reused lowest-first so that run uids stay in a small range
    next_slot = 0
    seq = 0

    def finish(pid, status, ru):
        run = runs.pop(pid)
        if not plan["pid_ns"]:
            kill_run(pid)  # stragglers of the run's process group
        if run.workdir:
            shutil.rmtree(run.workdir, ignore_errors=True)
        st = {"id": run.id, "exit_code": None, "signal": None, "timed_out": run.timed_out,
              "wall_s": time.monotonic() - run.t0, "cpu_s": ru.ru_utime + ru.ru_stime,
              "maxrss_kb": ru.ru_maxrss}
        if os.WIFEXITED(status):
            st["exit_code"] = os.WEXITSTATUS(status)
        elif os.WIFSIGNALED(status):
            st["signal"] = os.WTERMSIG(status)
        try:
            write_all(run.status_fd, json.dumps(st).encode())
        except OSError:
            pass
        os.close(run.status_fd)
        heapq.heappush(free_slots, run.slot)

    def reap():
        while True:
            try:
                pid, status, ru = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in runs:
                finish(pid, status, ru)

    def start(hdr, fds):
        nonlocal next_slot, seq
        status_fd = fds[5]
        if free_slots:
            slot = heapq.heappop(free_slots)
        else:
            slot, next_slot = next_slot, next_slot + 1
        try:
            workdir = None if plan["private_tmp"] else make_workdir(cfg, *run_ids(cfg, slot))
            t0 = time.monotonic()
            pid = fork_harness(hdr, fds[:5], cfg, plan, False, {}, slot, workdir)
        except Exception as e:
            heapq.heappush(free_slots, slot)
            try:
                write_all(status_fd, json.dumps({"id": hdr.get("id"), "setup_error": "%s: %s" % (type(e).__name__, e)}).encode())
            except OSError:
                pass
            for fd in fds:
                os.close(fd)
            return
        for fd in fds[:5]:
            os.close(fd)
        seq += 1
        run = Run()
        run.seq, run.id, run.status_fd, run.slot = seq, hdr.get("id"), status_fd, slot
        run.t0, run.timed_out, run.workdir = t0, False, workdir
        runs[pid] = run
        heapq.heappush(deadlines, (t0 + float(hdr["limits"]["timeout_s"]), seq, pid))

    while True:
        now = time.monotonic()
        while deadlines and deadlines[0][0] <= now:
            _, s, pid = heapq.heappop(deadlines)
            run = runs.get(pid)
            if run is not None and run.seq == s:
                # Not reaped yet (the zygote is the only reaper), so the pid is still H's.
                run.timed_out = True
                kill_run(pid)
        timeout = max(0.0, deadlines[0][0] - now) if deadlines else None
        try:
            ready, _, _ = select.select([CTRL_FD, wake_r], [], [], timeout)
        except InterruptedError:
            continue
        if wake_r in ready:
            try:
                while os.read(wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
        reap()
        if CTRL_FD not in ready:
            continue
        try:
            msg, fds, flags, _ = socket.recv_fds(ctrl, 1 << 20, 8)
        except InterruptedError:
            continue
        if not msg and not fds:
            break  # the pool closed the socket: shut down
        try:
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
                raise ValueError("truncated message")
            hdr = json.loads(msg)
            if len(fds) != 6:
                raise ValueError("expected 6 descriptors, got %d" % len(fds))
        except Exception as e:
            sys.stderr.write("r1 sandbox zygote: bad request dropped: %s\n" % e)
            for fd in fds:
                os.close(fd)
            continue
        start(hdr, fds)
    for pid in list(runs):
        kill_run(pid)
    os._exit(0)


def main():
    if sys.version_info < (3, 9):
        raise RuntimeError("the sandbox needs Python 3.9 or newer, this is %s" % sys.version.split()[0])
    ctrl = socket.socket(fileno=CTRL_FD)
    cfg = json.loads(ctrl.recv(1 << 22))
    import base64
    cfg["bpf"] = base64.b64decode(cfg["bpf"])
    cfg["bpf_restrict_kill"] = base64.b64decode(cfg["bpf_restrict_kill"])
    cfg["landlock_abi"] = landlock_abi() if cfg["want"]["landlock"] else 0
    cfg["runtime_paths"] = runtime_paths(cfg.get("ro_binds") or [])
    cfg["own_pidns_fd"] = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    if os.getpid() != 1:
        try:
            sys_prctl(PR_SET_CHILD_SUBREAPER, 1)
        except OSError:
            pass
    plan, report = probe(cfg)
    ctrl.send(json.dumps({"ready": True, "plan": plan, "probe": report, "pid": os.getpid(),
                          "python": sys.version.split()[0],
                          "landlock_abi": cfg["landlock_abi"],
                          "runtime_paths": cfg["runtime_paths"]}).encode())
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    gc.collect()
    gc.freeze()
    serve(ctrl, cfg, plan, wake_r)


try:
    main()
except BaseException:
    sys.stderr.write("r1 sandbox zygote failed:\n" + traceback.format_exc())
    sys.stderr.flush()
    os._exit(1)
