#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/arena.h"
#include "core/fs.h"

using namespace r1;

TEST(Arena, PlanThenPlaceIsAligned) {
  Arena a;
  auto layout = [&](float** x, double** y, int** z) {
    *x = a.alloc<float>(3);
    *y = a.alloc<double>(5);
    *z = a.alloc<int>(100);
  };
  float* x;
  double* y;
  int* z;
  a.begin_plan();
  layout(&x, &y, &z);
  EXPECT_EQ(x, nullptr);
  a.commit();
  layout(&x, &y, &z);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(x) % kAlign, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(y) % kAlign, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(z) % kAlign, 0u);
  EXPECT_GE(a.capacity(), 3 * 64u);
  z[99] = 1;  // in bounds
}

TEST(Fs, AtomicWriterLeavesOldFileUntilCommit) {
  std::string dir = std::filesystem::temp_directory_path() / ("r1_fs_" + std::to_string(::getpid()));
  make_dirs(dir);
  std::string p = join_path(dir, "f.txt");
  write_file_atomic(p, "old");
  {
    AtomicWriter w(p);
    w.write("new", 3);
    EXPECT_EQ(read_file(p), "old");
    // destroyed without commit: old content stays, no temp file left
  }
  EXPECT_EQ(read_file(p), "old");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) (void)e, ++files;
  EXPECT_EQ(files, 1);
  write_file_atomic(p, "new");
  EXPECT_EQ(read_file(p), "new");
  std::filesystem::remove_all(dir);
}

TEST(Fs, ReadMissingFileNamesIt) {
  try {
    read_file("/nonexistent/r1/file.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/r1/file.json"), std::string::npos);
  }
}

// A stream opens a folder and reads nothing: given for a file, a folder read as an empty one
// ("no examples", "unexpected end of input", a dataset of no tasks).
TEST(Fs, AFolderGivenForAFileIsAnErrorNamingIt) {
  const std::string dir = ::testing::TempDir() + "/r1_folder_for_a_file";
  std::filesystem::create_directories(dir);
  try {
    read_file(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + ": is a folder"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}
