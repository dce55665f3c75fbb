// Test helpers: temp files, running a command, python3 discovery.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace r1_test {

// A fresh temporary directory, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/r1_tasks_test_XXXXXX";
    char* p = mkdtemp(tmpl);
    if (p) path_ = p;
  }
  ~TempDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CommandResult {
  int status = -1;  // exit code
  std::string out;  // stdout (stderr goes to `err`)
  std::string err;
};

// Runs `command` with sh, capturing stdout and stderr through files in `dir`.
inline CommandResult run_command(const std::string& command, const TempDir& dir) {
  std::string out = dir.path() + "/cmd.out", err = dir.path() + "/cmd.err";
  int rc = std::system((command + " >'" + out + "' 2>'" + err + "'").c_str());
  CommandResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

inline bool have_python3() {
  return access("/usr/bin/python3", X_OK) == 0;
}

}  // namespace r1_test
