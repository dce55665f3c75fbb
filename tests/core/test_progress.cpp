#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/fs.h"
#include "core/progress.h"
#include "tests/common/temp_dir.h"

using namespace r1;

namespace {

// Points fd 2 (stderr) at another file for the lifetime of the object.
class StderrTo {
 public:
  explicit StderrTo(int fd) {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  ~StderrTo() {
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Runs f with stderr sent to a file, and returns what was written.
template <typename F>
std::string captured(F&& f) {
  r1::testing::TempDir dir("progress");
  std::string path = dir.file("stderr.txt");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  {
    StderrTo redirect(fd);
    f();
  }
  ::close(fd);
  return read_file(path);
}

}  // namespace

TEST(Progress, FormatsDoneRateAndEta) {
  EXPECT_EQ(format_progress("step", 37, 100, "reward 0.41 acc 0.38", 10.0),
            "step 37/100 37% | reward 0.41 acc 0.38 | 3.70/s | ETA 0:17");
  EXPECT_EQ(format_progress("step", 100, 100, "", 10.0), "step 100/100 100% | 10.0/s | took 0:10");
  EXPECT_EQ(format_progress("tokens", 500, 0, "", 2.0), "tokens 500 | 250/s");
  EXPECT_EQ(format_progress("step", 0, 100, "", 0.0), "step 0/100 0%");  // no rate yet, no ETA
  // Resumed work: the rate counts only what this process did.
  EXPECT_EQ(format_progress("step", 60, 100, "", 10.0, 50), "step 60/100 60% | 1.00/s | ETA 0:40");
  // A time budget ends the work sooner than the steps would.
  EXPECT_EQ(format_progress("step", 60, 100, "", 10.0, 50, 25.0), "step 60/100 60% | 1.00/s | ETA 0:15");
  EXPECT_EQ(format_progress("step", 60, 100, "", 10.0, 50, 100.0), "step 60/100 60% | 1.00/s | ETA 0:40");
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(75), "1:15");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(Progress, PlainLinesEveryNUpdatesAndTheLast) {
  std::string out = captured([] {
    Progress p("step", 10, 3);
    for (int i = 1; i <= 10; ++i) p.update(i, "reward " + std::to_string(i));
  });
  std::vector<std::string> lines = lines_of(out);
  ASSERT_EQ(lines.size(), 4u) << out;  // updates 3, 6, 9 and the last
  EXPECT_EQ(lines[0].rfind("step 3/10 30% | reward 3", 0), 0u) << lines[0];
  EXPECT_EQ(lines[2].rfind("step 9/10 90% | reward 9", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("step 10/10 100% | reward 10", 0), 0u) << lines[3];
  EXPECT_NE(lines[3].find("took"), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(Progress, FinishPrintsTheFinalStateOnce) {
  std::string out = captured([] {
    Progress p("eval", 0, 5);
    for (int i = 1; i <= 7; ++i) p.update(i, "");
    p.finish("pass@1 0.5");
    p.finish("again");  // no effect
  });
  std::vector<std::string> lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(lines[0].rfind("eval 5", 0), 0u);
  EXPECT_EQ(lines[1].rfind("eval 7 | pass@1 0.5", 0), 0u) << lines[1];

  // Nothing reported, nothing printed.
  EXPECT_EQ(captured([] { Progress p("idle", 10); }), "");
}

// On a terminal (a pseudo-terminal here) the line is redrawn in place and fits the width.
TEST(Progress, RedrawsOneLineOnATerminal) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0)
    GTEST_SKIP() << "no pseudo-terminals here";
  int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  winsize ws{};
  ws.ws_col = 40;
  ws.ws_row = 10;
  ASSERT_EQ(::ioctl(slave, TIOCSWINSZ, &ws), 0);
  {
    StderrTo redirect(slave);
    Progress p("step", 3);
    p.update(1, "reward 0.1");
    p.update(2, "reward 0.2 and a status long enough to be cut at the terminal edge");
    p.update(3, "reward 0.3");
  }  // the destructor ends the line
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd pfd{master, POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) break;
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(slave);
  ::close(master);
  EXPECT_EQ(out.rfind("\rstep 1/3 33% | reward 0.1", 0), 0u) << out;
  EXPECT_NE(out.find("\x1b[K"), std::string::npos);
  EXPECT_NE(out.find("\rstep 3/3 100% | reward 0.3"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1)
      << "one line, ended once: " << out;  // the tty adds '\r' before it
  // Every drawn line fits in 39 columns.
  size_t start = 0;
  while ((start = out.find('\r', start)) != std::string::npos) {
    size_t end = out.find_first_of("\x1b\r\n", start + 1);
    if (end == std::string::npos) end = out.size();
    EXPECT_LE(end - start - 1, 39u) << out.substr(start, end - start);
    start = end;
  }
}
