// Stop requests (SIGINT, SIGTERM) for long-running commands (r1 run, r1 worker, r1 pipeline).
//
// The first request sets stop_requested(). Every loop that can wait checks it, so the command
// abandons its unfinished work (a step still sampling, a batch still generating), keeps its last
// finished checkpoint, and exits with a message. Whatever it is stuck in, it does not run on for
// long: a watchdog ends the process kStopGraceSeconds after the request, except while a
// checkpoint is being written (a CheckpointWriteGuard is alive), which it lets finish first.
// A second request ends the process at once; checkpoints are written crash-safely, so the last
// complete one is kept either way. The exit status is 130 (as for Ctrl-C).
#pragma once
#include <atomic>

namespace r1 {

inline constexpr double kStopGraceSeconds = 10.0;

// Set by the first SIGINT or SIGTERM after install_stop_handlers() (and by code that wants the
// roles of a run to stop, such as a role that failed).
std::atomic<bool>& stop_requested();

// Routes SIGINT and SIGTERM to stop_requested() and the watchdog, and ignores SIGPIPE. `message`
// (a string literal; null for the run's) is what the first request prints.
void install_stop_handlers(double grace_s = kStopGraceSeconds, const char* message = nullptr);
// Back to the default: SIGINT and SIGTERM end the process at once (for phases that never check
// stop_requested(), such as an evaluation after RL in r1 pipeline).
void restore_default_stop_handlers();

// While one is alive, the watchdog waits: a checkpoint being written is finished, not cut off.
class CheckpointWriteGuard {
 public:
  CheckpointWriteGuard();
  ~CheckpointWriteGuard();
  CheckpointWriteGuard(const CheckpointWriteGuard&) = delete;
  CheckpointWriteGuard& operator=(const CheckpointWriteGuard&) = delete;
};

}  // namespace r1
