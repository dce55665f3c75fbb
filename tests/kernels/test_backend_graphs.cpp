// The CPU backend with graphs (kernels/backend.h, cpu_backend_with_graphs): a recording keeps
// op calls with their arguments instead of running them, a launch runs them on what the buffers
// hold then, and what cannot be recorded fails the recording with its name. These are the rules
// CUDA stream capture has (kernels/cuda/graphs.cu), which the model's decode graphs rely on.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "kernels/backend.h"

using namespace r1;

namespace {

struct Buffer {
  explicit Buffer(size_t n)
      : be(cpu_backend_with_graphs()), p(static_cast<float*>(be.mem.alloc(n * 4))), n(n) {}
  ~Buffer() { be.mem.free(p); }
  void set(std::vector<float> v) { be.mem.upload(p, v.data(), v.size() * 4); }
  std::vector<float> get() const {
    std::vector<float> v(n);
    be.mem.download(v.data(), p, n * 4);
    return v;
  }
  const Backend<float>& be;
  float* p;
  size_t n;
};

}  // namespace

TEST(BackendGraphs, ARecordingRunsNothingAndALaunchReadsTheBuffersAsTheyAreThen) {
  const Backend<float>& be = cpu_backend_with_graphs();
  ASSERT_TRUE(be.graphs.available());
  EXPECT_FALSE(be.host_threads);
  Buffer x(4), y(4);
  x.set({1, 2, 3, 4});
  y.set({10, 20, 30, 40});
  be.graphs.begin();
  be.ops.scale_inplace(x.p, 4, 2.f);
  be.ops.add_inplace(y.p, x.p, 4);
  std::string why;
  void* g = be.graphs.end(&why);
  ASSERT_NE(g, nullptr) << why;
  EXPECT_EQ(x.get(), (std::vector<float>{1, 2, 3, 4})) << "a recorded op ran";
  EXPECT_EQ(y.get(), (std::vector<float>{10, 20, 30, 40}));
  ASSERT_TRUE(be.graphs.launch(g));
  EXPECT_EQ(x.get(), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(y.get(), (std::vector<float>{12, 24, 36, 48}));
  x.set({0, 1, 0, 1});  // new contents, same addresses: the next launch reads these
  ASSERT_TRUE(be.graphs.launch(g));
  EXPECT_EQ(x.get(), (std::vector<float>{0, 2, 0, 2}));
  EXPECT_EQ(y.get(), (std::vector<float>{12, 26, 36, 50}));
  be.graphs.destroy(g);
}

TEST(BackendGraphs, ArgumentsAreKeptAsTheyWereWhenRecorded) {
  // A step that passes a new value where a recorded call had another gets the old one at launch:
  // why the model records a step again whenever an address or shape it passes changes.
  const Backend<float>& be = cpu_backend_with_graphs();
  Buffer x(2);
  x.set({1, 1});
  float factor = 3.f;
  int n = 1;
  be.graphs.begin();
  be.ops.scale_inplace(x.p, static_cast<size_t>(n), factor);
  void* g = be.graphs.end(nullptr);
  ASSERT_NE(g, nullptr);
  factor = 5.f;
  n = 2;
  ASSERT_TRUE(be.graphs.launch(g));
  EXPECT_EQ(x.get(), (std::vector<float>{3, 1}));
  be.graphs.destroy(g);
}

TEST(BackendGraphs, WhatCannotBeRecordedFailsTheRecordingByName) {
  const Backend<float>& be = cpu_backend_with_graphs();
  Buffer x(4);
  x.set({1, 2, 3, 4});
  struct Case {
    const char* name;
    std::function<void()> call;
  };
  std::vector<float> host(4, 7.f);
  const std::vector<Case> cases = {
      {"upload", [&] { be.mem.upload(x.p, host.data(), 16); }},
      {"download", [&] { be.mem.download(host.data(), x.p, 16); }},
      {"zero", [&] { be.mem.zero(x.p, 16); }},
      {"clip_global_norm", [&] { be.ops.clip_global_norm(x.p, 4, 1.0); }},
      {"expert_bias_update",
       [&] {
         const int64_t load[4] = {1, 2, 3, 4};
         be.ops.expert_bias_update(x.p, load, 4, 0.1);
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    be.graphs.begin();
    be.ops.scale_inplace(x.p, 4, 2.f);
    c.call();
    std::string why;
    EXPECT_EQ(be.graphs.end(&why), nullptr);
    EXPECT_NE(why.find(c.name), std::string::npos) << why;
    EXPECT_EQ(x.get(), (std::vector<float>{1, 2, 3, 4})) << "nothing may run while recording";
    EXPECT_EQ(host, std::vector<float>(4, 7.f));
  }
  // The list names ops of the table (a renamed op would silently become recordable).
  std::vector<std::string> ops;
#define R1_OP_NAME(name) ops.push_back(#name);
  R1_BACKEND_OPS(R1_OP_NAME)
#undef R1_OP_NAME
  for (const std::string& op : ops_not_capturable()) {
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op << " is no op of the table";
    EXPECT_FALSE(op_capturable(op.c_str())) << op;
  }
  for (const char* op :
       {"linear_forward_packed", "attention_paged_forward", "kv_cache_write", "rmsnorm_forward"}) {
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
    EXPECT_TRUE(op_capturable(op)) << op;
  }
}

TEST(BackendGraphs, OnlyTheRecordingThreadIsRecorded) {
  const Backend<float>& be = cpu_backend_with_graphs();
  Buffer x(1), y(1);
  x.set({1});
  y.set({1});
  be.graphs.begin();
  std::thread other([&] { be.ops.scale_inplace(y.p, 1, 4.f); });  // runs now, on its thread
  other.join();
  be.ops.scale_inplace(x.p, 1, 2.f);
  void* g = be.graphs.end(nullptr);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(y.get(), (std::vector<float>{4}));
  EXPECT_EQ(x.get(), (std::vector<float>{1}));
  be.graphs.launch(g);
  EXPECT_EQ(x.get(), (std::vector<float>{2}));
  EXPECT_EQ(y.get(), (std::vector<float>{4}));
  be.graphs.destroy(g);
}
