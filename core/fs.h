// Small file-system helpers. Writes are atomic (temp file, fsync, rename) so that a run killed
// mid-write never leaves a half-written checkpoint or config behind.
#pragma once
#include <cstdint>
#include <string>

namespace r1 {

std::string read_file(const std::string& path);  // throws naming the path
// Throws naming `path` when it is a folder (a stream opens one and reads nothing).
void check_not_a_folder(const std::string& path);
void write_file_atomic(const std::string& path, const std::string& data);
void write_file_atomic(const std::string& path, const void* data, size_t size);
// Streams a file into place: bytes go to "<path>.tmp.<pid>", and commit() fsyncs and renames
// it over <path>. Destroyed without commit(), it removes the temp file and <path> is untouched.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::string path);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  void write(const void* data, size_t size);
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
};

bool file_exists(const std::string& path);
void make_dirs(const std::string& path);  // like mkdir -p
std::string join_path(const std::string& a, const std::string& b);

}  // namespace r1
