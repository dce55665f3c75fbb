// An owned file descriptor, and the few descriptor helpers the sandbox needs.
#pragma once
#include <string>
#include <utility>

namespace r1 {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

// A close-on-exec pipe; throws naming `what` when the process is out of descriptors.
Pipe make_pipe(const std::string& what);
// Writes all of `data` to a blocking descriptor; false on error (EPIPE included).
bool write_all_fd(int fd, const void* data, size_t size);
// `bytes` random bytes from getrandom(2), as lowercase hex.
std::string random_hex(size_t bytes);

}  // namespace r1
