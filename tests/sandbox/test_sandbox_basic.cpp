// The sandbox's plain behaviour: programs run, output and exit codes come back, limits hold,
// many runs go at once, and the isolation report says what is in force.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <set>
#include <vector>

#include "tests/common/sandbox_fixture.h"

namespace r1 {
namespace {

using testing::run_program;
using testing::shared_pool;

TEST(Sandbox, RunsAProgramAndCapturesOutput) {
  SandboxResult r = run_program("import sys\nprint('hello')\nprint('oops', file=sys.stderr)\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "oops\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(Sandbox, ReportsExitCodesAndExceptions) {
  SandboxResult r = run_program("import sys\nsys.exit(3)\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.exit_code, 3);
  r = run_program("raise ValueError('boom')\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("ValueError: boom"), std::string::npos) << r.err;
}

TEST(Sandbox, FeedsStdin) {
  SandboxRequest q;
  q.code = "import sys\nprint(sys.stdin.read().upper(), end='')\n";
  q.stdin_data = "abc\n";
  SandboxResult r = shared_pool().run(q);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.out, "ABC\n");
}

TEST(Sandbox, RunsACommand) {
  SandboxRequest q;
  q.mode = SandboxMode::Command;
  q.argv = {"/bin/sh", "-c", "echo $((6*7)); exit 4"};
  SandboxResult r = shared_pool().run(q);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.out, "42\n");
  EXPECT_EQ(r.exit_code, 4);
}

TEST(Sandbox, IsolationReportListsLayers) {
  const IsolationReport& iso = shared_pool().isolation();
  json j = iso.to_json();
  std::cerr << "isolation: " << j.dump() << "\n";
  EXPECT_TRUE(iso.rlimits);
  EXPECT_TRUE(iso.unprivileged) << j.dump();
  EXPECT_TRUE(iso.no_new_privs) << j.dump();
}

TEST(Sandbox, ManyRunsAtOnce) {
  std::vector<std::future<SandboxResult>> futs;
  for (int i = 0; i < 40; ++i) {
    SandboxRequest q;
    q.code = "print(" + std::to_string(i) + " * 2)";
    futs.push_back(shared_pool().submit(q));
  }
  for (int i = 0; i < 40; ++i) {
    SandboxResult r = futs[i].get();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.out, std::to_string(i * 2) + "\n");
  }
}

// Zygotes are children of this process whose command line carries the zygote script.
std::set<pid_t> zygote_pids() {
  std::set<pid_t> out;
  DIR* d = opendir("/proc");
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string dir = std::string("/proc/") + e->d_name;
    std::ifstream stat(dir + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t rp = line.rfind(')');
    if (rp == std::string::npos) continue;
    int ppid = 0;
    char state;
    if (sscanf(line.c_str() + rp + 2, "%c %d", &state, &ppid) != 2 || ppid != getpid()) continue;
    std::ifstream cmd(dir + "/cmdline");
    std::string all((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (all.find("r1.cpp sandbox zygote") != std::string::npos) out.insert(std::stoi(e->d_name));
  }
  closedir(d);
  return out;
}

TEST(Sandbox, OrdinaryPythonStillWorks) {
  // The seccomp policy and the limits must leave everyday Python alone: threads (clone3 is
  // refused with ENOSYS and glibc falls back to clone), subprocesses, temp files, AF_UNIX
  // socket pairs, signals to itself.
  SandboxResult r = testing::run_program(
      "import threading, subprocess, tempfile, socket, signal, os, json, re, math\n"
      "out = []\n"
      "t = threading.Thread(target=lambda: out.append(sum(range(100))))\n"
      "t.start(); t.join()\n"
      "print('thread', out[0])\n"
      "print('subprocess', subprocess.run(['/bin/echo', 'hi'], capture_output=True, "
      "text=True).stdout.strip())\n"
      "with tempfile.NamedTemporaryFile('w+') as f:\n"
      "    f.write('abc'); f.flush(); f.seek(0); print('tempfile', f.read())\n"
      "a, b = socket.socketpair(); a.send(b'x'); print('socketpair', b.recv(1))\n"
      "signal.signal(signal.SIGUSR1, lambda *_: print('signal ok'))\n"
      "try:\n    os.kill(os.getpid(), signal.SIGUSR1)\nexcept PermissionError:\n    print('signal "
      "refused')\n"
      "print('done')\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.exit_code, 0) << r.to_json().dump();
  EXPECT_NE(r.out.find("thread 4950"), std::string::npos) << r.to_json().dump();
  EXPECT_NE(r.out.find("subprocess hi"), std::string::npos) << r.to_json().dump();
  EXPECT_NE(r.out.find("tempfile abc"), std::string::npos) << r.to_json().dump();
  EXPECT_NE(r.out.find("socketpair b'x'"), std::string::npos) << r.to_json().dump();
  // Where nothing else keeps signals inside the run (no pid namespace, a shared uid, no
  // Landlock scoping), seccomp allows kill(0, ...) only, and a signal to itself is refused.
  const IsolationReport& iso = shared_pool().isolation();
  bool signals_contained = iso.pid_ns || iso.uid_mode == "ns_range" ||
                           iso.uid_mode == "host_range" || iso.landlock_abi >= 6;
  if (signals_contained) {
    EXPECT_NE(r.out.find("signal ok"), std::string::npos) << r.to_json().dump();
  }
}

TEST(Sandbox, RecoversWhenTheZygoteDies) {
  std::set<pid_t> before = zygote_pids();
  SandboxPool pool(testing::test_sandbox_config());
  std::set<pid_t> after = zygote_pids();
  pid_t zygote = 0;
  for (pid_t p : after) {
    if (!before.count(p)) zygote = p;
  }
  ASSERT_GT(zygote, 0) << "could not find the new zygote";
  SandboxRequest slow;
  slow.code = "import time\ntime.sleep(5)";
  auto inflight = pool.submit(slow);
  usleep(200000);
  ASSERT_EQ(kill(zygote, SIGKILL), 0);
  // The run in flight is lost with its zygote: a sandbox error, not a result about the code.
  SandboxResult lost = inflight.get();
  EXPECT_FALSE(lost.ok);
  EXPECT_FALSE(lost.error.empty());
  // The next run gets a fresh zygote.
  SandboxRequest q;
  q.code = "print('back')";
  SandboxResult r = pool.run(q);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.out, "back\n");
}

TEST(Sandbox, RejectsMalformedRequestsAndConfigs) {
  SandboxRequest cases;
  cases.mode = SandboxMode::Cases;
  EXPECT_THROW(shared_pool().submit(cases), Error);
  SandboxRequest cmd;
  cmd.mode = SandboxMode::Command;
  EXPECT_THROW(shared_pool().submit(cmd), Error);
  SandboxRequest bad_limits;
  SandboxLimits l;
  l.timeout_s = -1;
  bad_limits.limits = l;
  EXPECT_THROW(shared_pool().submit(bad_limits), Error);
  EXPECT_THROW(SandboxConfig::from_json(json{{"limits", {{"memory_mb", 1}}}}, "cfg"), Error);
  EXPECT_THROW(SandboxConfig::from_json(json{{"pyhton", "/usr/bin/python3"}}, "cfg"), Error);
  EXPECT_THROW(SandboxConfig::from_json(json{{"python", "python3"}}, "cfg"), Error);
  SandboxConfig missing;
  missing.python = "/nonexistent/python3";
  try {
    SandboxPool p(missing);
    FAIL() << "a pool with a missing interpreter started";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/python3"), std::string::npos) << e.what();
  }
}

TEST(Sandbox, TimeoutAndCpuLimit) {
  SandboxResult r = testing::run_program("import time\ntime.sleep(10)", 0.5);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.wall_s, 1.5);
  // RLIMIT_CPU ends a busy loop even when the wall-clock limit is longer.
  SandboxRequest q;
  q.code = "while True:\n    pass";
  SandboxLimits l = shared_pool().config().limits;
  l.timeout_s = 30;  // far beyond the CPU limit even when the loop gets a sliver of a core
  l.cpu_s = 1;
  q.limits = l;
  r = shared_pool().run(q);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.signal == SIGXCPU || r.signal == SIGKILL) << r.to_json().dump();
}

TEST(Sandbox, PrivateWorkDirIsRemoved) {
  // Each run starts in an empty work dir of its own; what one run leaves there is gone for
  // the next.
  SandboxResult a = testing::run_program(
      "import os\nopen('mark', "
      "'w').write('x')\nprint(os.getcwd())\nprint(sorted(os.listdir('.')))");
  SandboxResult b =
      testing::run_program("import os\nprint(os.getcwd())\nprint(sorted(os.listdir('.')))");
  ASSERT_TRUE(a.ok && b.ok) << a.error << b.error;
  EXPECT_NE(a.out.find("['mark']"), std::string::npos) << a.out;
  EXPECT_NE(b.out.find("[]"), std::string::npos) << b.out;
  // Where runs share the host's tmp_root, the directory must be gone after the run.
  std::string dir = a.out.substr(0, a.out.find('\n'));
  if (dir != "/tmp") {
    EXPECT_FALSE(std::ifstream(dir + "/mark").good()) << dir;
  }
}

}  // namespace
}  // namespace r1
