// Progress of long work. On a terminal it redraws one status line (step, figures, rate, ETA);
// when stdout/stderr is not a terminal it prints plain log lines every `every` updates.
// Whether stderr is a terminal decides. Terminal redraws are limited to 10 per second (the last
// state is always drawn by finish()); plain lines come every `every` update() calls, and the
// final state is always printed, by the update that reaches total or by finish(). One thread
// updates a Progress; log lines written meanwhile on a terminal land on the status line.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace r1 {

class Progress {
 public:
  // total = 0 when unknown (no ETA). Writes to stderr. `first` is where resumed work starts
  // (done values count from 0 still; the rate counts only work done since construction).
  Progress(std::string what, int64_t total, int64_t every = 1, int64_t first = 0);
  ~Progress();  // finishes the line
  // `status` is a short "reward 0.41 acc 0.38 tok/s 5100" text.
  void update(int64_t done, const std::string& status);
  void finish(const std::string& status = "");
  // The work also ends after `seconds` of wall time (a run's max_seconds): the ETA is the sooner
  // of the two ends, measured from construction.
  void set_time_budget(double seconds) { budget_s_ = seconds; }

 private:
  void print(bool final);

  std::string what_;
  int64_t total_, every_, last_printed_ = -1;
  double start_;
  bool tty_, open_line_ = false;
  int64_t first_ = 0, done_ = 0, updates_ = 0;
  std::string status_;
  double last_draw_ = -1;
  double budget_s_ = 0;
  bool finished_ = false;
};

// Work in named parts of unknown size (the suites a model samples): a Progress line per part,
// "<prefix> <part> <done>/<total> <pct>% | <unit> | ...", the previous one finished when a new
// part starts. A part's line counts its rate from its first report (a resumed part's first
// report is where it resumed).
class PartProgress {
 public:
  PartProgress(std::string prefix, std::string unit)
      : prefix_(std::move(prefix)), unit_(std::move(unit)) {}
  void update(const std::string& part, size_t done, size_t total);
  void finish();

 private:
  std::string prefix_, unit_, part_;
  std::unique_ptr<Progress> line_;
};

// One progress line: "<what> <done>/<total> <pct>% | <status> | <rate>/s | ETA <h:mm:ss>".
// `elapsed_s` is the time spent on done - first units; with total = 0 there is no percentage and
// no ETA; at done >= total the ETA becomes the time taken. `budget_s` > 0: the work stops at that
// much elapsed time at the latest, so the ETA is at most budget_s - elapsed_s.
std::string format_progress(const std::string& what, int64_t done, int64_t total,
                            const std::string& status, double elapsed_s, int64_t first = 0,
                            double budget_s = 0);
// 75 -> "1:15", 3725 -> "1:02:05".
std::string format_duration(double seconds);

}  // namespace r1
