// A sandbox pool started on first use, shared by the calls of one verifier: a run that never
// meets a code task never starts a zygote, and a machine where no sandbox can start gives the
// reason once per call instead of failing at startup.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "sandbox/config.h"
#include "sandbox/pool.h"

namespace r1 {

class LazySandbox {
 public:
  explicit LazySandbox(SandboxConfig config) : config_(std::move(config)) {}
  // The pool, or null with the reason in *error when the sandbox cannot start here.
  SandboxPool* get(std::string* error = nullptr) {
    std::call_once(started_, [this] {
      try {
        pool_ = std::make_unique<SandboxPool>(config_);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
    });
    if (!pool_ && error) *error = error_;
    return pool_.get();
  }

 private:
  SandboxConfig config_;
  std::once_flag started_;
  std::unique_ptr<SandboxPool> pool_;
  std::string error_;
};

}  // namespace r1
