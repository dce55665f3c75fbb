// Progress of long work. On a terminal it redraws one status line (step, figures, rate, ETA);
// when stdout/stderr is not a terminal it prints plain log lines every `every` updates.
#pragma once
#include <cstdint>
#include <string>

namespace r1 {

class Progress {
 public:
  // total = 0 when unknown (no ETA). Writes to stderr.
  Progress(std::string what, int64_t total, int64_t every = 1);
  ~Progress();  // finishes the line
  // `status` is a short "reward 0.41 acc 0.38 tok/s 5100" text.
  void update(int64_t done, const std::string& status);
  void finish(const std::string& status = "");

 private:
  std::string what_;
  int64_t total_, every_, last_printed_ = -1;
  double start_;
  bool tty_, open_line_ = false;
};

}  // namespace r1
