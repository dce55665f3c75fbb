#include "core/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/clock.h"
#include "core/error.h"

namespace r1 {

namespace {

std::string format_rate(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, r < 10 ? "%.2f" : r < 100 ? "%.1f" : "%.0f", r);
  return buf;
}

// Redrawn lines must fit the terminal: a wrapped line cannot be overwritten with '\r'.
size_t terminal_columns() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

void write_stderr(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) return "?";
  long long s = std::llround(seconds);
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string format_progress(const std::string& what, int64_t done, int64_t total,
                            const std::string& status, double elapsed_s, int64_t first,
                            double budget_s) {
  std::string line = what.empty() ? std::to_string(done) : cat(what, " ", done);
  if (total > 0) {
    int pct = static_cast<int>(std::min<int64_t>(100, std::max<int64_t>(0, done) * 100 / total));
    line += cat("/", total, " ", pct, "%");
  }
  if (!status.empty()) line += " | " + status;
  double rate = elapsed_s > 0 && done > first ? static_cast<double>(done - first) / elapsed_s : 0;
  if (rate > 0) line += cat(" | ", format_rate(rate), "/s");
  if (total > 0 && done >= total) {
    line += " | took " + format_duration(elapsed_s);
  } else if (total > 0 && rate > 0) {
    double eta = static_cast<double>(total - done) / rate;
    if (budget_s > 0) eta = std::min(eta, std::max(0.0, budget_s - elapsed_s));
    line += " | ETA " + format_duration(eta);
  }
  return line;
}

Progress::Progress(std::string what, int64_t total, int64_t every, int64_t first)
    : what_(std::move(what)),
      total_(total),
      every_(every < 1 ? 1 : every),
      start_(steady_seconds()),
      tty_(::isatty(STDERR_FILENO) == 1),
      first_(first),
      done_(first) {}

Progress::~Progress() {
  try {
    finish();
  } catch (...) {  // a destructor must not throw; stderr errors are not worth dying for
  }
}

void Progress::print(bool final) {
  std::string line =
      format_progress(what_, done_, total_, status_, steady_seconds() - start_, first_, budget_s_);
  last_printed_ = done_;
  if (tty_) {
    size_t cols = terminal_columns();
    if (cols > 1 && line.size() > cols - 1) line.resize(cols - 1);
    // '\r' back to the start, the line, then clear what a longer previous line left behind.
    write_stderr("\r" + line + "\x1b[K" + (final ? "\n" : ""));
    open_line_ = !final;
    last_draw_ = steady_seconds();
  } else {
    write_stderr(line + "\n");
  }
}

void Progress::update(int64_t done, const std::string& status) {
  if (finished_) return;
  done_ = done;
  status_ = status;
  ++updates_;
  const bool last = total_ > 0 && done >= total_;
  if (tty_) {
    if (last || last_draw_ < 0 || steady_seconds() - last_draw_ >= 0.1) print(false);
  } else if (last || updates_ % every_ == 0) {
    print(false);
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  if (!status.empty()) status_ = status;
  if (updates_ == 0 && status.empty()) return;  // nothing happened: say nothing
  if (tty_) {
    print(true);
  } else if (last_printed_ != done_ || !status.empty()) {
    print(true);
  }
}

void PartProgress::update(const std::string& part, size_t done, size_t total) {
  if (!line_ || part != part_) {
    finish();
    // The part's first report is where its line starts: a resumed part's rate and ETA count
    // only the work done from here.
    line_ = std::make_unique<Progress>(prefix_ + " " + part, static_cast<int64_t>(total), 64,
                                       static_cast<int64_t>(done));
    part_ = part;
  }
  line_->update(static_cast<int64_t>(done), unit_);
}

void PartProgress::finish() {
  if (line_) line_->finish();
  line_.reset();
}

}  // namespace r1
