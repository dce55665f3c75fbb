#include "sandbox/pool.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "sandbox/fd.h"
#include "sandbox/namespaces.h"
#include "sandbox/seccomp_policy.h"
#include "sandbox/zygote.h"

namespace r1 {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;
using boost::system::error_code;

namespace {

// How long the pool waits beyond a run's own timeout before it declares the zygote, which
// enforces that timeout and reports each run's status, stuck.
constexpr double kBackstopGraceS = 5.0;
// After the status arrives, how long the pool keeps reading output that is still in flight.
constexpr auto kDrain = std::chrono::milliseconds(250);
constexpr size_t kReportCap = 32u << 20;
constexpr size_t kStatusCap = 1u << 16;

struct Stream {
  explicit Stream(asio::io_context& io) : d(io) {}
  Descriptor d;
  std::string data;
  std::array<char, 16384> chunk;
  size_t cap = 0;
  bool truncated = false;
  bool open = false;
};

std::string base64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(s[i])) << 16;
    if (i + 1 < s.size()) v |= uint32_t(uint8_t(s[i + 1])) << 8;
    if (i + 2 < s.size()) v |= uint8_t(s[i + 2]);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < s.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < s.size() ? t[v & 63] : '=';
  }
  return out;
}

std::string frame(const json& j) {
  // Model output may hold any bytes: invalid UTF-8 becomes U+FFFD rather than an exception.
  std::string body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  uint32_t n = static_cast<uint32_t>(body.size());
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + body;
}

}  // namespace

struct Job {
  explicit Job(asio::io_context& io)
      : out(io), err(io), res(io), status(io), payload(io), backstop(io), drain(io) {}
  SandboxRequest req;
  SandboxLimits limits;
  std::string nonce;
  std::promise<SandboxResult> promise;
  Stream out, err, res, status;
  Descriptor payload;
  std::string payload_data;
  asio::steady_timer backstop, drain;
  bool draining = false, finished = false;
  uint64_t zygote_generation = 0;
  std::string infra_error;  // set when the pool gives up on the run
  uint64_t id = 0;
};

struct SandboxPool::Impl {
  SandboxConfig config;
  NamespaceSupport ns;
  ZygoteSpec spec;
  IsolationReport isolation;
  int max_inflight = 1;

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;

  // Everything below is touched only on the I/O thread.
  std::unique_ptr<Zygote> zygote;
  uint64_t zygote_generation = 0;
  std::unique_ptr<Descriptor> zygote_watch;
  std::deque<std::shared_ptr<Job>> queue;
  std::set<std::shared_ptr<Job>> inflight;
  bool shutting_down = false;
  uint64_t next_id = 1;

  template <typename F>
  auto on_io_thread(F&& f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    asio::post(io, [&task] { task(); });
    return fut.get();
  }

  void start_zygote();
  void watch_zygote();
  void zygote_lost(const std::string& why, bool kill_now = true);
  void pump();
  void launch(const std::shared_ptr<Job>& job);
  void read_stream(const std::shared_ptr<Job>& job, Stream& s);
  void close_stream(const std::shared_ptr<Job>& job, Stream& s);
  void maybe_finish(const std::shared_ptr<Job>& job);
  void finish(const std::shared_ptr<Job>& job);
  SandboxResult build_result(Job& job);
};

void SandboxPool::Impl::start_zygote() {
  zygote = Zygote::spawn(spec);
  ++zygote_generation;
  int dup = ::fcntl(zygote->control_fd(), F_DUPFD_CLOEXEC, 3);
  if (dup < 0) fail("sandbox: dup of the zygote socket: ", std::strerror(errno));
  zygote_watch = std::make_unique<Descriptor>(io, dup);
  watch_zygote();
}

// The zygote sends nothing after "ready": the socket turning readable means it exited.
void SandboxPool::Impl::watch_zygote() {
  uint64_t gen = zygote_generation;
  zygote_watch->async_wait(Descriptor::wait_read, [this, gen](const error_code& ec) {
    if (ec || gen != zygote_generation || !zygote) return;
    char buf[512];
    ssize_t n = ::recv(zygote_watch->native_handle(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      log_warn("sandbox: unexpected message from the zygote: ",
               std::string(buf, static_cast<size_t>(n)));
      watch_zygote();
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      watch_zygote();
      return;
    }
    zygote_lost("the zygote exited");
  });
}

void SandboxPool::Impl::zygote_lost(const std::string& why, bool kill_now) {
  if (!zygote) return;
  if (kill_now) log_warn("sandbox: ", why, "; a new one starts with the next run");
  ++zygote_generation;
  if (zygote_watch) {
    error_code ec;
    zygote_watch->close(ec);
    zygote_watch.reset();
  }
  // Otherwise closing the socket asks the zygote to stop its runs and exit.
  if (kill_now) zygote->kill();
  zygote.reset();  // reaps it
}

void SandboxPool::Impl::pump() {
  while (!shutting_down && static_cast<int>(inflight.size()) < max_inflight && !queue.empty()) {
    auto job = queue.front();
    queue.pop_front();
    inflight.insert(job);
    launch(job);
  }
}

void SandboxPool::Impl::launch(const std::shared_ptr<Job>& job) {
  try {
    if (!zygote) start_zygote();
    Pipe payload = make_pipe("the payload");
    Pipe out = make_pipe("stdout");
    Pipe err = make_pipe("stderr");
    Pipe res = make_pipe("the harness report");
    Pipe nonce = make_pipe("the nonce");
    Pipe status = make_pipe("the run status");
    // The nonce waits in its pipe; only the harness reads it, after the last test (see the
    // zygote script), and the untrusted process closed its copy before it started.
    job->nonce = random_hex(16);
    if (!write_all_fd(nonce.write.get(), job->nonce.data(), job->nonce.size())) {
      fail("sandbox: writing the nonce: ", std::strerror(errno));
    }
    nonce.write.reset();

    const SandboxRequest& r = job->req;
    json header = {
        {"id", job->id}, {"mode", sandbox_mode_name(r.mode)}, {"limits", job->limits.to_json()}};
    if (r.mode == SandboxMode::Command) header["argv"] = r.argv;
    json p1 = {{"code", r.code}, {"stdin", r.stdin_data}};
    if (!r.context.empty()) {
      p1["context"] = r.context;
      p1["entry_point"] = r.entry_point;
    }
    job->payload_data = frame(p1);
    if (r.mode == SandboxMode::Check || r.mode == SandboxMode::Cases) {
      job->payload_data += frame({{"entry_point", r.entry_point},
                                  {"prelude", r.prelude},
                                  {"tests", r.tests},
                                  {"cases", r.cases}});
    }
    std::string hdr = header.dump(-1, ' ', false, json::error_handler_t::replace);
    const int fds[6] = {payload.read.get(), out.write.get(),  err.write.get(),
                        res.write.get(),    nonce.read.get(), status.write.get()};
    if (!zygote->send(hdr, fds)) {
      zygote_lost(cat("the zygote stopped taking runs (", std::strerror(errno), ")"));
      start_zygote();
      if (!zygote->send(hdr, fds))
        fail("sandbox: a fresh zygote refused the run: ", std::strerror(errno));
    }
    job->zygote_generation = zygote_generation;

    job->out.cap = static_cast<size_t>(job->limits.output_bytes);
    job->err.cap = static_cast<size_t>(job->limits.output_bytes);
    job->res.cap = kReportCap;
    job->status.cap = kStatusCap;
    job->out.d.assign(out.read.release());
    job->err.d.assign(err.read.release());
    job->res.d.assign(res.read.release());
    job->status.d.assign(status.read.release());
    for (Stream* s : {&job->out, &job->err, &job->res, &job->status}) {
      s->open = true;
      read_stream(job, *s);
    }
    job->payload.assign(payload.write.release());
    asio::async_write(job->payload, asio::buffer(job->payload_data),
                      [job](const error_code&, size_t) {
                        // A run that never reads its payload (killed early) is not an error
                        // here; its status says what happened.
                        error_code ec;
                        job->payload.close(ec);
                      });
    job->backstop.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(job->limits.timeout_s + kBackstopGraceS)));
    job->backstop.async_wait([this, job](const error_code& ec) {
      if (ec || job->finished) return;
      job->infra_error =
          cat("no status from the zygote within ", job->limits.timeout_s + kBackstopGraceS, " s");
      if (job->zygote_generation == zygote_generation) zygote_lost("the zygote stopped answering");
      finish(job);
    });
  } catch (const std::exception& e) {
    job->infra_error = e.what();
    finish(job);
  }
}

void SandboxPool::Impl::read_stream(const std::shared_ptr<Job>& job, Stream& s) {
  s.d.async_read_some(asio::buffer(s.chunk), [this, job, &s](const error_code& ec, size_t n) {
    if (job->finished || !s.open) return;
    if (ec) {  // EOF: every holder of the write end is gone
      close_stream(job, s);
      return;
    }
    size_t room = s.cap > s.data.size() ? s.cap - s.data.size() : 0;
    s.data.append(s.chunk.data(), std::min(n, room));
    if (n > room) {
      // Over the cap: stop reading. The writer then gets EPIPE and cannot stall the pool.
      s.truncated = true;
      close_stream(job, s);
      return;
    }
    read_stream(job, s);
  });
}

void SandboxPool::Impl::close_stream(const std::shared_ptr<Job>& job, Stream& s) {
  if (!s.open) return;
  s.open = false;
  error_code ec;
  s.d.close(ec);
  maybe_finish(job);
}

void SandboxPool::Impl::maybe_finish(const std::shared_ptr<Job>& job) {
  if (job->finished || job->status.open) return;
  if (!job->out.open && !job->err.open && !job->res.open) {
    finish(job);
    return;
  }
  // Without a pid namespace a straggler may still hold stdout; the zygote has killed the process
  // group, so whatever is left arrives now or never.
  if (!job->draining) {
    job->draining = true;
    job->drain.expires_after(kDrain);
    job->drain.async_wait([this, job](const error_code& ec) {
      if (!ec) finish(job);
    });
  }
}

void SandboxPool::Impl::finish(const std::shared_ptr<Job>& job) {
  if (job->finished) return;
  job->finished = true;
  job->backstop.cancel();
  job->drain.cancel();
  for (Stream* s : {&job->out, &job->err, &job->res, &job->status}) {
    s->open = false;
    error_code ec;
    s->d.close(ec);
  }
  error_code ec;
  job->payload.close(ec);
  SandboxResult result = build_result(*job);
  inflight.erase(job);
  job->promise.set_value(std::move(result));
  asio::post(io, [this] { pump(); });
}

SandboxResult SandboxPool::Impl::build_result(Job& job) {
  SandboxResult r;
  r.out = std::move(job.out.data);
  r.err = std::move(job.err.data);
  r.out_truncated = job.out.truncated;
  r.err_truncated = job.err.truncated;
  if (!job.infra_error.empty()) {
    r.error = job.infra_error;
    return r;
  }
  json status;
  try {
    status = parse_json(job.status.data, "the run's status");
  } catch (const Error&) {
    r.error = job.status.data.empty() ? "no status for the run (the zygote died?)"
                                      : "unreadable status from the zygote";
    return r;
  }
  if (!status.is_object()) {
    r.error = "unreadable status from the zygote";
    return r;
  }
  if (status.contains("setup_error") && status["setup_error"].is_string()) {
    r.error = "sandbox setup failed: " + status["setup_error"].get<std::string>();
    return r;
  }
  json report;
  if (!job.res.data.empty()) {
    try {
      report = parse_json(job.res.data, "the run's report");
    } catch (const Error&) {
      report = nullptr;
    }
  }
  if (report.is_object() && report.contains("setup_error")) {
    r.error = "sandbox setup failed: " + report["setup_error"].dump();
    return r;
  }
  r.ok = true;
  r.timed_out = status.value("timed_out", false);
  if (status.contains("exit_code") && status["exit_code"].is_number_integer()) {
    r.exited = true;
    r.exit_code = status["exit_code"].get<int>();
  }
  if (status.contains("signal") && status["signal"].is_number_integer()) {
    r.signal = status["signal"].get<int>();
  }
  r.wall_s = status.value("wall_s", 0.0);
  r.cpu_s = status.value("cpu_s", 0.0);
  r.max_rss_kb = status.value("maxrss_kb", int64_t{0});
  if (job.req.mode == SandboxMode::Check || job.req.mode == SandboxMode::Cases) {
    if (job.res.truncated) {
      r.report_problem = "the harness report exceeded its size cap";
    } else if (job.res.data.empty()) {
      r.report_problem = "no report from the harness";
    } else if (!report.is_object()) {
      r.report_problem = "unreadable report from the harness";
    } else if (!report.contains("nonce") || report["nonce"] != job.nonce) {
      r.report_problem = "the report does not carry this run's nonce";
    } else {
      report.erase("nonce");
      r.report = std::move(report);
    }
  }
  return r;
}

SandboxPool::SandboxPool(SandboxConfig config) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  config.limits.validate("sandbox: limits");
  if (::access(config.python.c_str(), X_OK) != 0) {
    fail("sandbox: python interpreter '", config.python, "' is not executable (",
         std::strerror(errno), "); set the sandbox's \"python\" option");
  }
  m.config = config;
  m.max_inflight = config.effective_concurrency();
  if (config.namespaces) {
    m.ns = probe_namespaces();
  } else {
    m.ns.note = "namespaces disabled by the configuration";
  }

  json want = {{"mount_ns", config.namespaces},
               {"pid_ns", config.namespaces},
               {"ipc_ns", config.namespaces},
               {"private_tmp", config.namespaces},
               {"private_proc", config.namespaces},
               {"minimal_root", config.namespaces && config.minimal_root},
               {"landlock", config.landlock},
               {"seccomp", config.seccomp}};
  SandboxLimits probe_limits = config.limits;
  probe_limits.timeout_s = std::max(probe_limits.timeout_s, 10.0);
  m.spec.python = config.python;
  m.spec.clone_flags = m.ns.clone_flags();
  m.spec.host_uid_base = config.host_uid_base;
  m.spec.readonly_root = config.readonly_root;
  m.spec.tmp_mb = std::min(config.limits.tmp_mb * m.max_inflight, 4096) + 16;
  m.spec.tmp_root = config.tmp_root;
  m.spec.start_timeout_s = config.start_timeout_s;
  if (config.cgroup) {
    m.spec.cgroup_memory_bytes =
        (int64_t{m.max_inflight} * (config.limits.memory_mb + config.limits.tmp_mb) + 512) << 20;
    m.spec.cgroup_pids = int64_t{m.max_inflight} * (config.limits.nproc + 2) + 16;
  }
  m.spec.config = {{"want", want},
                   {"bpf", base64(build_seccomp_bpf({.restrict_kill = false}))},
                   {"bpf_restrict_kill", base64(build_seccomp_bpf({.restrict_kill = true}))},
                   {"probe_limits", probe_limits.to_json()},
                   {"ro_binds", config.ro_binds},
                   {"nr_pivot_root", SYS_pivot_root},
                   {"max_slots", m.max_inflight}};

  m.thread = std::thread([&m] {
    // Writes to a pipe whose reader died must fail with EPIPE, not kill the process; a
    // blocked SIGPIPE stays pending on this thread and changes nothing elsewhere.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    m.io.run();
  });
  std::string error = m.on_io_thread([&m]() -> std::string {
    try {
      m.start_zygote();
      return "";
    } catch (const std::exception& e) {
      if (m.spec.clone_flags == 0) return e.what();
      // A kernel may list a namespace as available and still refuse the combination (or the
      // uid map): fall back to no namespaces rather than no sandbox, and say so.
      log_warn(e.what(), "; retrying without namespaces");
      m.ns.note += cat(m.ns.note.empty() ? "" : "; ", "zygote with namespaces failed: ", e.what());
      m.spec.clone_flags = 0;
      try {
        m.start_zygote();
        return "";
      } catch (const std::exception& e2) {
        return e2.what();
      }
    }
  });
  if (!error.empty()) {
    m.work.reset();
    m.io.stop();
    m.thread.join();
    throw Error(error);
  }
  m.isolation =
      m.on_io_thread([&m] { return make_isolation_report(m.ns, *m.zygote, m.config.python); });
  log_debug("sandbox: layers ", m.isolation.to_json().dump());
  // Without a minimal root and without Landlock, a run reads what this user can: the datasets
  // and their reference solutions too, which an RL policy can learn to copy (an audit). Said
  // once per pool, not an error: a container may refuse both layers and the rest still holds.
  if (!m.isolation.read_outside_blocked)
    log_warn(
        "sandbox: runs can read host files (neither a minimal root nor Landlock is in "
        "force: ",
        m.ns.note.empty() ? std::string("turned off") : m.ns.note,
        "); a solution can read any file this user can, datasets and reference "
        "solutions included. Run where user namespaces or Landlock are allowed, or keep "
        "such files out of this user's reach");
}

SandboxPool::~SandboxPool() {
  Impl& m = *impl_;
  m.on_io_thread([&m] {
    m.shutting_down = true;
    for (auto& job : m.queue) {
      job->infra_error = "the sandbox pool shut down";
      job->finished = true;
      job->promise.set_value(m.build_result(*job));
    }
    m.queue.clear();
    auto running = m.inflight;
    for (auto& job : running) {
      job->infra_error = "the sandbox pool shut down";
      m.finish(job);
    }
    m.zygote_lost("shutting down", false);
    return 0;
  });
  m.work.reset();
  m.io.stop();
  m.thread.join();
}

std::future<SandboxResult> SandboxPool::submit(SandboxRequest request) {
  Impl& m = *impl_;
  if ((request.mode == SandboxMode::Cases) && request.entry_point.empty()) {
    fail("sandbox: a Cases request needs an entry_point");
  }
  if (request.mode == SandboxMode::Command && request.argv.empty()) {
    fail("sandbox: a Command request needs argv");
  }
  if (request.mode == SandboxMode::Cases && !request.cases.is_array()) {
    fail("sandbox: Cases request: 'cases' must be an array");
  }
  auto job = std::make_shared<Job>(m.io);
  job->limits = request.limits.value_or(m.config.limits);
  job->limits.validate("sandbox request: limits");
  job->req = std::move(request);
  auto fut = job->promise.get_future();
  asio::post(m.io, [&m, job] {
    job->id = m.next_id++;
    if (m.shutting_down) {
      job->infra_error = "the sandbox pool shut down";
      job->finished = true;
      job->promise.set_value(m.build_result(*job));
      return;
    }
    m.queue.push_back(job);
    m.pump();
  });
  return fut;
}

const IsolationReport& SandboxPool::isolation() const {
  return impl_->isolation;
}
const SandboxConfig& SandboxPool::config() const {
  return impl_->config;
}

}  // namespace r1
