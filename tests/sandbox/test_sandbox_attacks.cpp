// Attack programs: each must be contained, scored 0, and leave the host as it was. They run
// at two levels: as plain programs in the sandbox (what the run could do) and as completions
// for the python verifier (what reward it gets).
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/common/sandbox_fixture.h"

namespace r1 {
namespace {

using testing::answer;
using testing::cases_rev_task;
using testing::humaneval_add_task;
using testing::run_program;
using testing::shared_pool;
using testing::shared_python_verifier;

constexpr double kAttackTimeout = 1.0;

// Scored 0 by a verdict, never a verifier error. Without a pid namespace kill(0) can take the
// harness down with the solution: no_result, which fails closed.
bool contained(const Verdict& v) {
  return !v.verifier_error && v.score == 0.0 &&
         (v.reason == "wrong_answer" || v.reason == "early_exit" || v.reason == "runtime_error" ||
          v.reason == "no_result");
}

bool unique_run_uids() {
  const std::string& m = testing::shared_pool().isolation().uid_mode;
  return m == "ns_range" || m == "host_range";
}

Verdict check(const Task& t, const std::string& completion) {
  return shared_python_verifier().verify(t, completion);
}

// Processes left over from this test process's runs: descendants of this process whose uid
// is one of the sandbox's run uids. (Other test processes may run sandboxes of their own at the
// same time, with the same uids.)
int leftover_run_processes() {
  const uint32_t lo = shared_pool().config().host_uid_base + 1000;
  const uint32_t hi = shared_pool().config().host_uid_base + 65536;
  std::map<int, int> parent;
  std::vector<int> candidates;
  DIR* d = opendir("/proc");
  if (!d) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string dir = std::string("/proc/") + e->d_name;
    std::ifstream stat(dir + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t rp = line.rfind(')');
    char state;
    int ppid = 0;
    if (rp == std::string::npos || sscanf(line.c_str() + rp + 2, "%c %d", &state, &ppid) != 2)
      continue;
    int pid = std::atoi(e->d_name);
    parent[pid] = ppid;
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && st.st_uid >= lo && st.st_uid < hi)
      candidates.push_back(pid);
  }
  closedir(d);
  int n = 0;
  for (int pid : candidates) {
    for (int p = pid, hops = 0; p > 1 && hops < 64; p = parent.count(p) ? parent[p] : 0, ++hops) {
      if (p == getpid()) {
        ++n;
        break;
      }
    }
  }
  return n;
}

// The host can still start processes (a fork bomb inside did not exhaust anything here).
bool host_can_fork() {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) _exit(7);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 7;
}

// The pool still works after an attack.
void expect_pool_healthy() {
  SandboxResult r = run_program("print('alive')");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.out, "alive\n");
}

TEST(SandboxAttack, InfiniteLoop) {
  expect_pool_healthy();  // the pool's first start is not what is timed
  auto t0 = std::chrono::steady_clock::now();
  SandboxResult r = run_program("while True:\n    pass\n", kAttackTimeout);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, kAttackTimeout + 3.0) << "killed at the timeout, with slack for a loaded machine";

  Task t = humaneval_add_task();
  Verdict v = check(t, answer("def add(a, b):\n    while True:\n        pass"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_EQ(v.reason, "timeout") << v.to_json().dump();
  // Also at load time, before any test runs.
  v = check(t, answer("while True:\n    pass\ndef add(a, b):\n    return a + b"));
  EXPECT_EQ(v.reason, "timeout") << v.to_json().dump();
}

TEST(SandboxAttack, ForkBomb) {
  const char* bomb =
      "import os\n"
      "while True:\n"
      "    try:\n"
      "        os.fork()\n"
      "    except OSError:\n"
      "        pass\n";
  SandboxResult r = run_program(bomb, kAttackTimeout);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(leftover_run_processes(), 0);
  EXPECT_TRUE(host_can_fork());

  // The fork count is bounded by RLIMIT_NPROC: report how far it got.
  SandboxResult counted = run_program(
      "import os, sys\nn = 0\nfor _ in range(200):\n    try:\n        pid = os.fork()\n"
      "    except OSError:\n        break\n    if pid == 0:\n        import time; time.sleep(5); "
      "os._exit(0)\n"
      "    n += 1\nprint(n)\nsys.stdout.flush()\nos._exit(0)\n",
      kAttackTimeout);
  ASSERT_TRUE(counted.ok) << counted.error;
  ASSERT_FALSE(counted.out.empty()) << counted.to_json().dump();
  // With a uid per run the limit is the run's own; with a shared uid it is sized for all runs.
  if (unique_run_uids()) {
    EXPECT_LT(std::stoi(counted.out), shared_pool().config().limits.nproc);
  }
  EXPECT_EQ(leftover_run_processes(), 0);

  Verdict v =
      check(humaneval_add_task(), answer(std::string(bomb) + "def add(a, b):\n    return a + b"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
  EXPECT_EQ(leftover_run_processes(), 0);
  expect_pool_healthy();
}

TEST(SandboxAttack, Allocate8GiB) {
  SandboxResult r = run_program("x = bytearray(8 << 30)\nprint('allocated')\n", kAttackTimeout);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("MemoryError"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("allocated"), std::string::npos);
  // Growing step by step hits the same wall.
  r = run_program("a = []\nwhile True:\n    a.append(bytearray(64 << 20))\n", 3 * kAttackTimeout);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.err.find("MemoryError"), std::string::npos) << r.to_json().dump();

  Verdict v = check(humaneval_add_task(),
                    answer("def add(a, b):\n    x = bytearray(8 << 30)\n    return a + b"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_EQ(v.reason, "memory") << v.to_json().dump();
}

// rlimits are per process: six children of 200 MiB each fit under memory_mb = 256, yet hold
// 1.2 GiB together. The pool's cgroup caps the sum (here 256 + 16 + 512 MiB), so at most three
// can hold theirs at once. Counted as the children alive, each holding its 200 MiB, when the
// parent releases them all together: a count of children that merely reached their allocation
// would also count those the OOM killer ended afterwards to make room for the next.
TEST(SandboxAttack, ForkThenAllocateIsCappedInTotal) {
  SandboxConfig c = testing::test_sandbox_config();
  c.concurrency = 1;
  c.limits.memory_mb = 256;
  c.limits.tmp_mb = 16;
  SandboxPool pool(c);
  if (pool.isolation().cgroup.empty()) {
    GTEST_SKIP() << "no cgroup can be made here, so the total is bounded only by nproc x "
                    "memory_mb: "
                 << pool.isolation().to_json().dump();
  }
  if (pool.isolation().cgroup.find("not counting swap") != std::string::npos)
    GTEST_SKIP() << "the cgroup cannot cap swap here: " << pool.isolation().cgroup;
  SandboxRequest q;
  // Each child reports its index once its 200 MiB are written, then waits for the release. Held
  // together: the children that had reported when the parent released them all and were still
  // alive then (exit 0). A child still allocating at the release is not counted, even if it
  // finishes later, when the first ones have already freed theirs.
  q.code =
      "import os, select, time\n"
      "ready_r, ready_w = os.pipe()\n"
      "go_r, go_w = os.pipe()\n"
      "kids = []\n"
      "for i in range(6):\n"
      "    pid = os.fork()\n"
      "    if pid == 0:\n"
      "        os.close(go_w)\n"
      "        b = bytearray(200 << 20)\n"
      "        for j in range(0, len(b), 4096):\n"
      "            b[j] = 1\n"
      "        os.write(ready_w, bytes([i]))\n"
      "        os.read(go_r, 1)\n"
      "        os._exit(0 if b[4096] == 1 else 1)\n"
      "    kids.append(pid)\n"
      "os.close(ready_w)\n"
      "reported, deadline = set(), time.time() + 3\n"
      "while len(reported) < 6 and select.select([ready_r], [], [], max(0, deadline - "
      "time.time()))[0]:\n"
      "    got = os.read(ready_r, 6)\n"
      "    if not got:\n"
      "        break\n"
      "    reported.update(got)\n"
      "os.close(go_w)\n"
      "exited_ok = {i for i, p in enumerate(kids) if os.waitpid(p, 0)[1] == 0}\n"
      "print('reported', len(reported), 'held together', len(reported & exited_ok))\n";
  SandboxLimits l = c.limits;
  l.timeout_s = 10;
  q.limits = l;
  SandboxResult r = pool.run(q);
  ASSERT_TRUE(r.ok) << r.error;
  const std::string report = r.to_json().dump() + " " + pool.isolation().to_json().dump();
  // Without a cap on swap the children page out and the run thrashes to its timeout.
  EXPECT_FALSE(r.timed_out) << report;
  size_t at = r.out.find("held together ");
  if (at != std::string::npos) {
    int held = std::stoi(r.out.substr(at + 14));
    EXPECT_LE(held, 3) << report;
  } else {
    // The parent is in the cgroup too: the OOM killer may choose it. Then nothing was held.
    EXPECT_NE(r.signal, 0) << report;
  }
  SandboxRequest after;
  after.code = "print('alive')";
  EXPECT_EQ(pool.run(after).out, "alive\n");
}

TEST(SandboxAttack, OneGiBOfOutput) {
  // Ended by the output cap, not by the (long) timeout: writing 1 GiB takes far less.
  SandboxResult r = run_program(
      "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n",
      kAttackTimeout * 20);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.timed_out) << r.to_json().dump();
  EXPECT_TRUE(r.out_truncated);
  EXPECT_EQ(r.out.size(), static_cast<size_t>(shared_pool().config().limits.output_bytes));
  EXPECT_NE(r.exit_code, 0);

  Verdict v =
      check(humaneval_add_task(),
            answer("import sys\nfor _ in range(1024):\n    sys.stdout.write('y' * (1 << 20))\n"
                   "def add(a, b):\n    return a + b"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error);
}

TEST(SandboxAttack, WriteOutsideTheSandboxDir) {
  const IsolationReport& iso = shared_pool().isolation();
  if (!iso.mount_ns && iso.landlock_abi == 0) {
    GTEST_SKIP() << "no layer on this machine stops writes to world-writable host dirs "
                    "(no mount namespace, no Landlock): "
                 << iso.to_json().dump();
  }
  // A world-writable directory on the host, so only the sandbox can stop the write.
  std::string dir = "/tmp/r1-sandbox-attack-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  chmod(dir.c_str(), 0777);
  std::string target = dir + "/pwned";
  std::string code =
      "import os\nhits = []\n"
      "for p in ['" +
      target +
      "', '/tmp/r1-pwned', '/var/tmp/r1-pwned', '/dev/shm/r1-pwned', "
      "'" +
      std::string(R1_SOURCE_DIR) +
      "/r1-pwned', '/r1-pwned']:\n"
      "    try:\n"
      "        with open(p, 'w') as f:\n"
      "            f.write('x')\n"
      "        hits.append(p)\n"
      "    except OSError as e:\n"
      "        pass\n"
      "open('inside.txt', 'w').write('ok')\n"
      "print('inside ok' if open('inside.txt').read() == 'ok' else 'inside failed')\n"
      "print('hits', hits)\n";
  SandboxResult r = run_program(code);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.out.find("inside ok"), std::string::npos) << r.to_json().dump();
  EXPECT_FALSE(std::filesystem::exists(target));
  EXPECT_FALSE(std::filesystem::exists("/var/tmp/r1-pwned"));
  EXPECT_FALSE(std::filesystem::exists("/dev/shm/r1-pwned"));
  EXPECT_FALSE(std::filesystem::exists(std::string(R1_SOURCE_DIR) + "/r1-pwned"));
  EXPECT_FALSE(std::filesystem::exists("/r1-pwned"));
  // The run's own /tmp is private; the host's /tmp never sees its files.
  EXPECT_FALSE(std::filesystem::exists("/tmp/r1-pwned"));

  Verdict v =
      check(humaneval_add_task(),
            answer("open('" + target + "', 'w').write('x')\ndef add(a, b):\n    return a + b"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_FALSE(std::filesystem::exists(target));
  std::filesystem::remove_all(dir);
}

TEST(SandboxAttack, ConnectToALocalListener) {
  int srv = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(srv, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(srv, 16), 0);
  socklen_t len = sizeof addr;
  getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string port = std::to_string(ntohs(addr.sin_port));

  std::string code =
      "import socket\n"
      "for fam in (socket.AF_INET, socket.AF_INET6):\n"
      "    try:\n"
      "        s = socket.create_connection(('127.0.0.1', " +
      port +
      "), timeout=0.5)\n"
      "        s.sendall(b'hello')\n"
      "        print('connected')\n"
      "    except OSError as e:\n"
      "        print('refused', type(e).__name__)\n";
  SandboxResult r = run_program(code);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.out.find("connected"), std::string::npos) << r.out;

  Verdict v = check(humaneval_add_task(),
                    answer("import socket\nsocket.create_connection(('127.0.0.1', " + port +
                           "), timeout=0.5).sendall(b'x')\ndef add(a, b):\n    return a + b"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_EQ(v.reason, "runtime_error") << v.to_json().dump();

  int c = accept(srv, nullptr, nullptr);
  EXPECT_LT(c, 0) << "the listener accepted a connection from the sandbox";
  if (c >= 0) close(c);
  close(srv);
}

TEST(SandboxAttack, ExitBeforeTheTests) {
  Task t = humaneval_add_task();
  for (std::string exit_call :
       {"import sys\nsys.exit(0)", "import os\nos._exit(0)", "raise SystemExit(0)", "exit(0)"}) {
    Verdict v = check(t, answer(exit_call + "\ndef add(a, b):\n    return a + b"));
    EXPECT_EQ(v.score, 0.0) << exit_call;
    EXPECT_EQ(v.reason, "early_exit") << exit_call << " " << v.to_json().dump();
    // Exiting inside the function, on the first call.
    v = check(t, answer("import os, sys\ndef add(a, b):\n    " +
                        exit_call.substr(exit_call.find('\n') + 1)));
    EXPECT_EQ(v.score, 0.0) << exit_call;
  }
  // Same for a cases task.
  Verdict v =
      check(cases_rev_task(), answer("import os\nos._exit(0)\ndef rev(x):\n    return x[::-1]"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_EQ(v.reason, "early_exit") << v.to_json().dump();
  // Catching the exit of a test with a bare except does not help the solution either.
  Task swallow = t;
  swallow.tests =
      "def check(candidate):\n    try:\n        candidate(1, 2)\n    except BaseException:\n       "
      " pass\n";
  v = check(swallow, answer("import os\ndef add(a, b):\n    os._exit(0)"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
}

TEST(SandboxAttack, ForgedReportsAndNonce) {
  // The solution process has no handle on the report pipe or the nonce: it closed them before
  // the solution's first line ran.
  Task t = humaneval_add_task();
  Verdict v = check(t, answer("import os, json\n"
                              "for fd in range(3, 64):\n"
                              "    try:\n"
                              "        os.write(fd, json.dumps({'status': 'passed', 'nonce': "
                              "os.read(4, 64).decode()}).encode())\n"
                              "    except OSError:\n"
                              "        pass\n"
                              "os._exit(0)\n"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_NE(v.reason, "ok");
  // Nor through /proc of the harness (pid 1 of the run's namespace, not dumpable).
  v = check(t, answer("import os\n"
                      "for pid in ('1', str(os.getppid())):\n"
                      "    for fd in ('3', '4'):\n"
                      "        try:\n"
                      "            print(open('/proc/' + pid + '/fd/' + fd).read())\n"
                      "        except OSError:\n"
                      "            pass\n"
                      "def add(a, b):\n    return a - b\n"));
  EXPECT_EQ(v.reason, "wrong_answer") << v.to_json().dump();
  // Patching builtins in the solution's process cannot reach the harness's asserts.
  v = check(
      t, answer("import builtins\nbuiltins.AssertionError = None\ndef add(a, b):\n    return 0"));
  EXPECT_EQ(v.reason, "wrong_answer") << v.to_json().dump();
}

TEST(SandboxAttack, AlwaysTrueEq) {
  Task t = cases_rev_task();
  const char* cheats[] = {
      "class Any:\n    def __eq__(self, other):\n        return True\n    def __ne__(self, "
      "other):\n"
      "        return False\ndef rev(x):\n    return Any()",
      "class S(str):\n    def __eq__(self, other):\n        return True\ndef rev(x):\n    return "
      "S('')",
      "class L(list):\n    def __eq__(self, other):\n        return True\ndef rev(x):\n    return "
      "L()",
      "class I(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = "
      "int.__hash__\n"
      "def rev(x):\n    return I(0)",
  };
  for (const char* code : cheats) {
    Verdict v = check(t, answer(code));
    EXPECT_EQ(v.score, 0.0) << code;
    EXPECT_EQ(v.reason, "wrong_answer") << code << "\n" << v.to_json().dump();
  }
  // The HumanEval harness rebuilds return values from plain data too.
  Verdict v = check(humaneval_add_task(),
                    answer("class Any:\n    def __eq__(self, o):\n        return True\n"
                           "def add(a, b):\n    return Any()"));
  EXPECT_EQ(v.score, 0.0);
  EXPECT_EQ(v.reason, "wrong_answer") << v.to_json().dump();
}

// A StopIteration the solution raises reaches the tests as a RuntimeError: raised as itself inside
// a test's map() it would end the iteration, and all(map(...)) would pass on no cases.
TEST(SandboxAttack, StopIterationDoesNotEndATestsIteration) {
  Task t = humaneval_add_task();
  t.tests =
      "def check(candidate):\n"
      "    assert all(map(lambda p: candidate(*p[0]) == p[1], [((1, 2), 3), ((2, 2), 4)]))\n"
      "    assert list(filter(lambda p: candidate(*p) != sum(p), [(1, 1), (3, 4)])) == []\n";
  for (const char* exc : {"StopIteration", "StopAsyncIteration"}) {
    Verdict v = check(t, answer(cat("def add(a, b):\n    raise ", exc)));
    EXPECT_EQ(v.score, 0.0) << exc << " " << v.to_json().dump();
    EXPECT_FALSE(v.verifier_error) << exc << " " << v.to_json().dump();
  }
  // The tests themselves are sound: the honest solution passes them.
  EXPECT_EQ(check(t, answer("def add(a, b):\n    return a + b")).score, 1.0);
}

TEST(SandboxAttack, KillTheParentProcessGroup) {
  const std::string kills[] = {
      "import os, signal\nos.killpg(os.getpgid(0), signal.SIGKILL)",
      "import os, signal\nos.kill(-1, signal.SIGKILL)",
      "import os, signal\nos.kill(0, signal.SIGKILL)",
      "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
      "import os, signal\nfor p in range(1, 400):\n    try:\n        os.kill(p, signal.SIGKILL)\n  "
      "  except OSError:\n        pass",
  };
  for (const auto& k : kills) {
    SandboxResult r = run_program(k + "\nprint('still here')");
    ASSERT_TRUE(r.ok) << k << ": " << r.error;
    // The attack comes before an otherwise wrong solution: the harness must survive to
    // score it (the kill fails, kills only the solution, or is ignored; the result is never
    // lost and never a verifier error). In a pid namespace killpg(getpgid(0)) is kill(-1):
    // the run's group is 1, its harness.
    Verdict v = check(humaneval_add_task(), answer(k + "\ndef add(a, b):\n    return 0"));
    EXPECT_EQ(v.score, 0.0) << k << " " << v.to_json().dump();
    EXPECT_TRUE(contained(v)) << k << " " << v.to_json().dump();
    // Killing from inside the function, after the harness has started calling.
    std::string body;
    for (size_t pos = k.find('\n') + 1; pos < k.size();) {
      size_t eol = k.find('\n', pos);
      body += "    " + k.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos + 1);
      pos = eol == std::string::npos ? k.size() : eol + 1;
    }
    v = check(humaneval_add_task(),
              answer("import os, signal\ndef add(a, b):\n" + body + "\n    return 0"));
    EXPECT_EQ(v.score, 0.0) << k << " " << v.to_json().dump();
    EXPECT_TRUE(contained(v)) << k << " " << v.to_json().dump();
  }
  // A run in flight beside the killers is untouched by them.
  SandboxRequest sleeper;
  sleeper.code = "import time\ntime.sleep(0.4)\nprint('slept')";
  auto slow = shared_pool().submit(sleeper);
  std::vector<std::future<SandboxResult>> killers;
  for (int i = 0; i < 4; ++i) {
    SandboxRequest q;
    q.code =
        "import os, time\ntime.sleep(0.05)\nfor p in (-1, 0, 1, 2, 3):\n    try:\n        "
        "os.kill(p, 9)\n    except OSError:\n        pass";
    killers.push_back(shared_pool().submit(q));
  }
  for (auto& f : killers) EXPECT_TRUE(f.get().ok);
  SandboxResult s = slow.get();
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.out, "slept\n");
  // This test process is alive to check, and the pool still serves runs.
  EXPECT_TRUE(host_can_fork());
  expect_pool_healthy();
  EXPECT_TRUE(check(humaneval_add_task(), answer("def add(a, b):\n    return a + b")).correct);
}

TEST(SandboxAttack, PrivilegeAndEscapeAttemptsFail) {
  SandboxResult r = run_program(
      "import os, ctypes\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "print('uid', os.getuid())\n"
      "print('capeff', [l.split()[1] for l in open('/proc/self/status') if "
      "l.startswith('CapEff')][0])\n"
      "print('unshare', libc.unshare(0x10000000))\n"  // CLONE_NEWUSER
      "print('mount', libc.mount(b'none', b'/mnt', b'tmpfs', 0, None))\n"
      "print('ptrace', libc.ptrace(16, 1, 0, 0))\n"  // PTRACE_ATTACH to pid 1
      "print('setsid', libc.setsid())\n"
      "try:\n    os.setuid(1)\n    print('setuid ok')\nexcept OSError:\n    print('setuid "
      "denied')\n");
  ASSERT_TRUE(r.ok) << r.error;
  if (unique_run_uids()) {
    EXPECT_EQ(r.out.find("uid 0\n"), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("capeff 0000000000000000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unshare -1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mount -1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ptrace -1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("setsid -1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("setuid denied"), std::string::npos) << r.out;
}

// Without namespaces (a container that forbids them), the remaining layers still contain the
// attacks that matter: a uid per run, seccomp, Landlock and rlimits.
TEST(SandboxDegraded, AttacksContainedWithoutNamespaces) {
  SandboxConfig c = testing::test_sandbox_config();
  c.namespaces = false;
  SandboxPool pool(c);
  std::cerr << "degraded isolation: " << pool.isolation().to_json().dump() << "\n";
  EXPECT_FALSE(pool.isolation().pid_ns);
  auto run = [&](const std::string& code, double timeout) {
    SandboxRequest q;
    q.code = code;
    SandboxLimits l = c.limits;
    l.timeout_s = timeout;
    q.limits = l;
    return pool.run(q);
  };
  SandboxResult ok = run("print(6 * 7)", 2);
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_EQ(ok.out, "42\n");

  for (const char* k : {"import os\nos.kill(-1, 9)", "import os\nos.killpg(os.getpgid(0), 9)",
                        "import os\nos.kill(os.getppid(), 9)"}) {
    SandboxResult r = run(k, 2);
    ASSERT_TRUE(r.ok) << k << ": " << r.error;
  }
  EXPECT_TRUE(host_can_fork());

  std::string dir = "/tmp/r1-sandbox-degraded-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  chmod(dir.c_str(), 0777);
  SandboxResult w = run("open('" + dir + "/pwned', 'w').write('x')", 2);
  ASSERT_TRUE(w.ok) << w.error;
  if (pool.isolation().landlock_abi > 0 || pool.isolation().mount_ns) {
    EXPECT_FALSE(std::filesystem::exists(dir + "/pwned"));
  }
  std::filesystem::remove_all(dir);

  SandboxResult bomb = run(
      "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
      1);
  ASSERT_TRUE(bomb.ok) << bomb.error;
  EXPECT_TRUE(bomb.timed_out);
  EXPECT_TRUE(host_can_fork());
  // Without a pid namespace the zygote kills the run's process group; the killed processes
  // are reaped within moments.
  int left = -1;
  for (int i = 0; i < 100 && left != 0; ++i) {
    left = leftover_run_processes();
    if (left) usleep(20000);
  }
  EXPECT_EQ(left, 0);
  SandboxResult net =
      run("import socket\ntry:\n    socket.socket(socket.AF_INET)\n    print('socket')\nexcept "
          "OSError:\n    print('blocked')\n",
          2);
  EXPECT_EQ(net.out, "blocked\n");
  SandboxResult after = run("print('alive')", 2);
  EXPECT_EQ(after.out, "alive\n");
}

}  // namespace
}  // namespace r1
