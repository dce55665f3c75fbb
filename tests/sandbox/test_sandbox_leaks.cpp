// What a sandboxed run can see of the host and of other runs: host files (the evaluation data
// with its answers among them), host Unix sockets, and System V IPC left by earlier runs. Each
// layer that closes a leak is tested alone too (the filesystem view without seccomp, seccomp and
// Landlock without namespaces), so that one layer failing is noticed even while another holds.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/common/sandbox_fixture.h"

namespace r1 {
namespace {

using testing::answer;
using testing::humaneval_add_task;
using testing::shared_pool;

SandboxResult run_in(SandboxPool& pool, const std::string& code) {
  SandboxRequest q;
  q.code = code;
  SandboxLimits l = pool.config().limits;
  l.timeout_s = 3;
  q.limits = l;
  return pool.run(std::move(q));
}

// Pools with one layer switched off, each started once for this file.
std::unique_ptr<SandboxPool> pool_with(bool SandboxConfig::*layer, bool on) {
  SandboxConfig c = testing::test_sandbox_config();
  c.*layer = on;
  return std::make_unique<SandboxPool>(c);
}
SandboxPool& pool_without_seccomp() {
  static std::unique_ptr<SandboxPool> p = pool_with(&SandboxConfig::seccomp, false);
  return *p;
}
SandboxPool& pool_without_namespaces() {
  static std::unique_ptr<SandboxPool> p = pool_with(&SandboxConfig::namespaces, false);
  return *p;
}

// A listening Unix socket at `path`, world-connectable, removed with the object.
struct Listener {
  int fd = -1;
  std::string path;
  explicit Listener(std::string p) : path(std::move(p)) {
    ::unlink(path.c_str());
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd, 8) != 0) {
      if (fd >= 0) ::close(fd);
      fd = -1;
      return;
    }
    ::chmod(path.c_str(), 0777);
  }
  ~Listener() {
    if (fd >= 0) ::close(fd);
    ::unlink(path.c_str());
  }
  bool accepted_anything() const {
    int c = ::accept(fd, nullptr, nullptr);
    if (c >= 0) ::close(c);
    return c >= 0;
  }
};

// Host places where sockets of other programs live and any user may create one.
std::vector<std::unique_ptr<Listener>> host_listeners() {
  std::vector<std::unique_ptr<Listener>> out;
  const std::string tag = "r1-leak-" + std::to_string(::getpid());
  for (std::string dir : {"/dev/shm", "/run/lock", "/var/tmp", "/tmp"}) {
    if (!std::filesystem::is_directory(dir)) continue;
    auto l = std::make_unique<Listener>(dir + "/" + tag + ".sock");
    if (l->fd >= 0) out.push_back(std::move(l));
  }
  return out;
}

std::string connect_program(const std::vector<std::unique_ptr<Listener>>& ls) {
  std::string code = "import socket\nfor p in [";
  for (const auto& l : ls) code += "'" + l->path + "', ";
  code +=
      "]:\n"
      "    try:\n"
      "        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
      "        s.connect(p)\n"
      "        s.sendall(b'x')\n"
      "        print('connected', p)\n"
      "    except OSError as e:\n"
      "        print('refused', p, e.errno)\n";
  return code;
}

void expect_no_unix_connect(SandboxPool& pool, const char* which) {
  auto ls = host_listeners();
  ASSERT_FALSE(ls.empty()) << "no host directory to put a socket in";
  SandboxResult r = run_in(pool, connect_program(ls));
  ASSERT_TRUE(r.ok) << which << ": " << r.error;
  EXPECT_EQ(r.out.find("connected"), std::string::npos) << which << ":\n" << r.out;
  EXPECT_NE(r.out.find("refused"), std::string::npos) << which << ":\n" << r.out << r.err;
  for (const auto& l : ls) EXPECT_FALSE(l->accepted_anything()) << which << ": " << l->path;
}

TEST(SandboxLeak, HostUnixSocketsAreUnreachable) {
  expect_no_unix_connect(shared_pool(), "all layers");
  // And through the python verifier: the attack scores 0.
  auto ls = host_listeners();
  ASSERT_FALSE(ls.empty());
  Verdict v = testing::verify_python(
      humaneval_add_task(),
      answer("import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('" + ls[0]->path +
             "')\ndef add(a, b):\n    return a + b"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error);
  EXPECT_FALSE(ls[0]->accepted_anything());
}

TEST(SandboxLeak, FilesystemViewAloneHidesHostSockets) {
  SandboxPool& pool = pool_without_seccomp();
  if (!pool.isolation().minimal_root) {
    GTEST_SKIP() << "no minimal root here: " << pool.isolation().to_json().dump();
  }
  expect_no_unix_connect(pool, "minimal root without seccomp");
}

TEST(SandboxLeak, SeccompAloneRefusesSockets) {
  SandboxPool& pool = pool_without_namespaces();
  if (!pool.isolation().seccomp) GTEST_SKIP() << "no seccomp here";
  expect_no_unix_connect(pool, "seccomp without namespaces");
  SandboxResult r = run_in(pool,
                           "import socket\n"
                           "a, b = socket.socketpair()\n"  // still fine: connects nothing
                           "a.sendall(b'pair')\nprint(b.recv(4).decode())\n"
                           "for fam in (socket.AF_UNIX, socket.AF_INET, socket.AF_NETLINK):\n"
                           "    try:\n"
                           "        socket.socket(fam, socket.SOCK_DGRAM)\n"
                           "        print('socket', fam)\n"
                           "    except OSError:\n"
                           "        print('refused')\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.out, "pair\nrefused\nrefused\nrefused\n") << r.err;
}

// A world-readable secret in places a run could look for answers: the evaluation data next to
// the checkout, the checkout itself, and host temp dirs.
struct Secret {
  std::string path;
  explicit Secret(std::string p) : path(std::move(p)) {
    std::ofstream(path) << "r1-secret-answer\n";
    ::chmod(path.c_str(), 0644);
  }
  ~Secret() { std::filesystem::remove(path); }
};

std::string read_program(const std::vector<std::string>& paths) {
  std::string code = "import os\nfor p in [";
  for (const auto& p : paths) code += "'" + p + "', ";
  code +=
      "]:\n"
      "    try:\n"
      "        print('read', p, open(p).read().strip())\n"
      "    except OSError as e:\n"
      "        print('denied', p, e.errno)\n"
      "try:\n"
      "    print('root', sorted(os.listdir('/')))\n"
      "except OSError as e:\n"
      "    print('root denied', e.errno)\n";
  return code;
}

std::vector<std::string> secret_paths() {
  std::vector<std::string> out = {std::string(R1_SOURCE_DIR) + "/r1-leak-secret.txt",
                                  "/var/tmp/r1-leak-secret-" + std::to_string(::getpid())};
  return out;
}

void expect_host_files_hidden(SandboxPool& pool, const char* which) {
  std::vector<std::unique_ptr<Secret>> secrets;
  std::vector<std::string> paths;
  for (const auto& p : secret_paths()) {
    secrets.push_back(std::make_unique<Secret>(p));
    paths.push_back(p);
  }
  // The shared evaluation data and the host's own files, where they exist.
  const std::string humaneval = std::string(R1_SOURCE_DIR) + "/../shared/data/eval/humaneval.jsonl";
  if (std::filesystem::exists(humaneval)) paths.push_back(humaneval);
  for (const char* p : {"/etc/passwd", "/etc/hostname", "/root/.bashrc", "/proc/1/environ"})
    paths.push_back(p);
  SandboxResult r = run_in(pool, read_program(paths));
  ASSERT_TRUE(r.ok) << which << ": " << r.error;
  EXPECT_EQ(r.out.find("r1-secret-answer"), std::string::npos) << which << ":\n" << r.out;
  EXPECT_EQ(r.out.find("canonical_solution"), std::string::npos) << which << ":\n" << r.out;
  EXPECT_EQ(r.out.find("root:"), std::string::npos) << which << ":\n" << r.out;
  EXPECT_EQ(r.out.find("read "), std::string::npos) << which << ":\n" << r.out;
  // Python itself still works: the standard library imports and runs.
  SandboxResult py = run_in(pool,
                            "import json, decimal, fractions, datetime, re, collections\n"
                            "print(json.dumps({'x': str(decimal.Decimal('1.1') * 2)}))\n");
  ASSERT_TRUE(py.ok) << py.error;
  EXPECT_EQ(py.out, "{\"x\": \"2.2\"}\n") << which << ": " << py.err;
}

TEST(SandboxLeak, HostFilesAreNotReadable) {
  SandboxPool& pool = shared_pool();
  expect_host_files_hidden(pool, "all layers");
  if (pool.isolation().minimal_root) {
    // The root holds only what Python needs: no home, no work tree, no /var, no /run.
    SandboxResult r = run_in(pool, "import os\nprint(sorted(os.listdir('/')))\n");
    ASSERT_TRUE(r.ok) << r.error;
    for (const char* host_dir : {"'home'", "'root'", "'var'", "'run'", "'work'", "'srv'",
                                 "'opt'", "'mnt'", "'media'", "'sys'", "'boot'"}) {
      EXPECT_EQ(r.out.find(host_dir), std::string::npos) << host_dir << " in " << r.out;
    }
  }
  // A solution that looks its answer up in the evaluation data gets nothing from it.
  Verdict v = testing::verify_python(
      humaneval_add_task(),
      answer("def add(a, b):\n    return len(open('" + secret_paths()[0] + "').read())"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error);
}

TEST(SandboxLeak, FilesystemViewAloneHidesHostFiles) {
  SandboxPool& pool = pool_without_seccomp();
  if (!pool.isolation().minimal_root) GTEST_SKIP() << "no minimal root here";
  std::unique_ptr<SandboxPool> no_landlock = pool_with(&SandboxConfig::landlock, false);
  ASSERT_TRUE(no_landlock->isolation().minimal_root);
  ASSERT_EQ(no_landlock->isolation().landlock_abi, 0);
  expect_host_files_hidden(*no_landlock, "minimal root without Landlock");
}

TEST(SandboxLeak, LandlockAloneHidesHostFiles) {
  SandboxPool& pool = pool_without_namespaces();
  if (pool.isolation().landlock_abi == 0) GTEST_SKIP() << "no Landlock here";
  expect_host_files_hidden(pool, "Landlock without namespaces");
}

// System V IPC: a segment, queue or semaphore set made by one run is gone for the next, and
// leftovers do not eat the memory of later runs.
const char* kSysvMake =
    "import ctypes\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.shmat.restype = ctypes.c_void_p\n"
    "key = 0x52314C4B\n"
    "shm = libc.shmget(key, 1 << 20, 0o1666)\n"  // IPC_CREAT | 0666
    "addr = libc.shmat(shm, None, 0)\n"
    "ctypes.memmove(addr, b'r1-secret-answer', 16)\n"
    "print('shm', shm >= 0, 'msg', libc.msgget(key, 0o1666) >= 0, 'sem', libc.semget(key, 1, "
    "0o1666) >= 0)\n";
const char* kSysvFind =
    "import ctypes\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "key = 0x52314C4B\n"
    "print('found', libc.shmget(key, 0, 0) >= 0, libc.msgget(key, 0) >= 0, libc.semget(key, 0, "
    "0) >= 0)\n";

TEST(SandboxLeak, SysvIpcDoesNotOutliveItsRun) {
  SandboxPool& pool = shared_pool();
  SandboxResult made = run_in(pool, kSysvMake);
  ASSERT_TRUE(made.ok) << made.error;
  EXPECT_EQ(made.out, "shm True msg True sem True\n") << made.err;
  for (int i = 0; i < 4; ++i) {  // later runs, whichever slot and uid they get
    SandboxResult found = run_in(pool, kSysvFind);
    ASSERT_TRUE(found.ok) << found.error;
    EXPECT_EQ(found.out, "found False False False\n") << found.err;
  }
  // Segments left by earlier runs (1 GiB each here; two runs hold more than the pool's cgroup
  // allows) must not eat the memory of later runs, turning their correct answers into errors.
  for (int run = 0; run < 2; ++run) {
    const std::string hog =
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.shmat.restype = ctypes.c_void_p\n"
        "for i in range(16):\n"
        "    shm = libc.shmget(0x5231A000 + 16 * " + std::to_string(run) + " + i, 64 << 20, 0o1666)\n"
        "    if shm < 0:\n"
        "        break\n"
        "    addr = libc.shmat(shm, None, 0)\n"
        "    if addr in (None, ctypes.c_void_p(-1).value):\n"
        "        break\n"
        "    ctypes.memset(ctypes.c_void_p(addr), 1, 64 << 20)\n"
        "    libc.shmdt(ctypes.c_void_p(addr))\n";
    SandboxResult r = run_in(pool, hog);
    ASSERT_TRUE(r.ok) << r.error;
  }
  SandboxResult after = run_in(pool, "x = bytearray(300 << 20)\nprint('room', len(x) >> 20)\n");
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_EQ(after.out, "room 300\n") << after.to_json().dump();
}

}  // namespace
}  // namespace r1
