// A pool of sandboxed runs: one zygote (a pre-started Python that forks a process tree per
// run, see zygote.h) and an I/O thread (Boost.Asio) that feeds each run its payload, reads
// its pipes with output caps, and backs up the run's own timeout with a timer of its own.
// submit() and run() may be called from any number of threads; at most
// config.effective_concurrency() runs are in flight, the rest wait in order.
#pragma once
#include <future>
#include <memory>

#include "sandbox/config.h"
#include "sandbox/isolation.h"
#include "sandbox/request.h"

namespace r1 {

class SandboxPool {
 public:
  // Probes the namespaces, builds the seccomp policy and starts the zygote. Throws r1::Error
  // naming the interpreter and the step when no sandbox can start at all.
  explicit SandboxPool(SandboxConfig config);
  ~SandboxPool();  // fails queued and in-flight runs, stops the zygote (and every run with it)
  SandboxPool(const SandboxPool&) = delete;
  SandboxPool& operator=(const SandboxPool&) = delete;

  // Never throws for what the code does; throws r1::Error only for a malformed request
  // (e.g. Cases without an entry point, limits out of range).
  std::future<SandboxResult> submit(SandboxRequest request);
  SandboxResult run(SandboxRequest request) { return submit(std::move(request)).get(); }

  const IsolationReport& isolation() const;
  const SandboxConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace r1
